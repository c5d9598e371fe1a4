// The `p3s` binary as built (bin/p3s.js → dist/bundle): a bare --version answered before any
// command is loaded, help over every command group, one group for a command, typos suggested.

import { describe, expect, it } from 'vitest';
import { P3S_VERSION } from '../../src/core/version.ts';
import { baseEnv, p3s } from '../helpers/processes.ts';

const env = baseEnv();

describe('p3s start-up', () => {
  it('prints the version for --version and -V, whatever follows', async () => {
    for (const args of [['--version'], ['-V'], ['-V', 'job', 'submit']]) {
      const result = await p3s(args, env);
      expect(result).toEqual({ code: 0, stdout: `${P3S_VERSION}\n`, stderr: '' });
    }
  });

  it('lists every command group in help, and a group its own commands', async () => {
    const top = await p3s(['--help'], env);
    expect(top.code).toBe(0);
    for (const name of ['up', 'server', 'job', 'workflow', 'token', 'whoami', 'doctor'])
      expect(top.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    const job = await p3s(['job', '--help'], env);
    expect(job.stdout).toMatch(/^ {2}submit \[options\] \[file\]/m);
    const submit = await p3s(['job', 'submit', '--help'], env);
    expect(submit.stdout).toContain('--wait');
  });

  it('says what a misspelt command may have meant, with exit code 2', async () => {
    const result = await p3s(['jbo', 'list'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'jbo'");
    expect(result.stderr).toContain('(Did you mean job?)');
  });

  it('rejects an option a command does not have, naming it, with exit code 2', async () => {
    const result = await p3s(['job', 'list', '--nope'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--nope'");
  });
});
