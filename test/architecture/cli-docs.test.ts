// docs/reference/cli.md documents every command, every flag and every environment variable the
// `p3s` command tree defines (the tree itself is the source of truth: buildProgram).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.ts';

const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'reference', 'cli.md'), 'utf8');
const headings = doc.split('\n').filter((line) => line.startsWith('## `p3s '));

interface Documented {
  path: string[];
  command: Command;
}

function allCommands(command: Command, path: string[] = []): Documented[] {
  return command.commands.flatMap((sub) => {
    const subPath = [...path, sub.name()];
    return [{ path: subPath, command: sub as Command }, ...allCommands(sub as Command, subPath)];
  });
}

const commands = allCommands((await buildProgram()) as unknown as Command);
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('CLI reference', () => {
  it('has a section for every command', () => {
    // `## \`p3s job kill|retry|delete ID…\`` covers job kill, job retry and job delete.
    const missing = commands
      .map(({ path }) => path)
      .filter(
        ([group, sub]) =>
          !headings.some((h) => {
            const words = h.replace(/^## `p3s /, '').split(/[`\s]/);
            return words[0] === group && (sub === undefined || (words[1] ?? '').split('|').includes(sub));
          }),
      )
      .map((path) => path.join(' '));
    expect(missing).toEqual([]);
  });

  it('names every flag of every command in code', () => {
    const missing: string[] = [];
    for (const { path, command } of commands) {
      for (const option of command.options) {
        if (option.hidden || !option.long) continue;
        const inCode = new RegExp(`\`[^\`\\n]*${escapeRegExp(option.long)}(?![\\w-])[^\`\\n]*\``);
        if (!inCode.test(doc)) missing.push(`p3s ${path.join(' ')} ${option.long}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('mentions every environment variable the help names', async () => {
    const names = new Set<string>();
    for (const { command } of [{ command: (await buildProgram()) as unknown as Command }, ...commands]) {
      let help = '';
      command.configureOutput({ writeOut: (text) => (help += text) });
      command.outputHelp();
      for (const match of help.matchAll(/\bP3S_[A-Z_]+/g)) names.add(match[0]);
    }
    expect(names).toContain('P3S_CA_FILE');
    expect([...names].filter((name) => !doc.includes(name))).toEqual([]);
  });
});
