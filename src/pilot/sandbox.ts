// Each attempt runs in its own fresh directory <workDir>/<jobId>-<attempt>/ (P3S ran every
// payload in the pilot's cwd), and P3S_MODE=COPY copies the executable there, arguments kept.

import { chmod, copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { shellQuote, splitWords } from './argv.ts';
import type { Command } from './payload-env.ts';

/** Path of an attempt's sandbox (`label` is the job id, or a local run's name). */
export function sandboxPath(workDir: string, label: number | string, attempt: number): string {
  return join(workDir, `${label}-${attempt}`);
}

/** Creates the attempt's sandbox empty, removing what an earlier run of the same attempt left. */
export async function createSandbox(
  workDir: string,
  label: number | string,
  attempt: number,
): Promise<string> {
  const dir = sandboxPath(workDir, label, attempt);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * COPY mode: copies the payload's first word (taken from the pilot's directory when relative)
 * into the sandbox with its mode bits, and returns the command that runs the copy with the
 * payload's remaining arguments. In shell mode the rest of the line is kept verbatim for sh.
 * Throws an Error whose message is the nonstarter reason.
 */
export async function copyPayload(
  payload: string,
  shell: boolean,
  sandbox: string,
  pilotCwd: string,
): Promise<Command> {
  const words = splitWords(payload);
  const first = words[0];
  if (first === undefined || first.value === '') throw new Error('the payload has no command to copy');
  const source = resolve(pilotCwd, first.value);
  const target = join(sandbox, basename(source));
  try {
    const info = await stat(source);
    if (!info.isFile()) throw new Error(`${source} is not a regular file`);
    await copyFile(source, target);
    await chmod(target, info.mode & 0o7777);
  } catch (error) {
    throw new Error(`P3S_MODE=COPY: cannot copy ${source} into the sandbox: ${(error as Error).message}`);
  }
  if (shell) return { file: '/bin/sh', args: ['-c', shellQuote(target) + payload.slice(first.end)] };
  return { file: target, args: words.slice(1).map((word) => word.value) };
}
