// Each attempt runs in its own fresh directory <workDir>/<jobId>-<attempt>/ (P3S ran every
// payload in the pilot's cwd), and P3S_MODE=COPY copies the executable there, arguments kept.
// With a payload user the copy is made as that user, so only what it may read can be copied.

import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { chmod, copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { shellQuote, splitWords } from './argv.ts';
import type { Command } from './payload-env.ts';
import type { RunAs } from './payload-user.ts';

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
  // One call when the directory is new, the usual case; a leftover is removed, a missing workDir made.
  // Synchronous: a local mkdir takes less than the thread pool's round trip.
  try {
    mkdirSync(dir);
    return dir;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOENT') throw error;
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * COPY mode: copies the payload's first word (taken from the pilot's directory when relative)
 * into the sandbox with its mode bits, and returns the command that runs the copy with the
 * payload's remaining arguments. In shell mode the rest of the line is kept verbatim for sh.
 * With `runAs` (whose sandbox it must already be) the copy runs as that account: a file it may
 * not read (the pilot's token, a root-only file) is refused, never copied by the pilot for it.
 * Throws an Error whose message is the nonstarter reason.
 */
export async function copyPayload(
  payload: string,
  shell: boolean,
  sandbox: string,
  pilotCwd: string,
  runAs?: RunAs,
): Promise<Command> {
  const words = splitWords(payload);
  const first = words[0];
  if (first === undefined || first.value === '') throw new Error('the payload has no command to copy');
  const source = resolve(pilotCwd, first.value);
  const target = join(sandbox, basename(source));
  try {
    if (runAs) await copyAs(runAs, source, target);
    else {
      const info = await stat(source);
      if (!info.isFile()) throw new Error(`${source} is not a regular file`);
      await copyFile(source, target);
      await chmod(target, info.mode & 0o7777);
    }
  } catch (error) {
    const as = runAs ? ` as ${runAs.name}` : '';
    throw new Error(
      `P3S_MODE=COPY: cannot copy ${source} into the sandbox${as}: ${(error as Error).message}`,
    );
  }
  if (shell) return { file: '/bin/sh', args: ['-c', shellQuote(target) + payload.slice(first.end)] };
  return { file: target, args: words.slice(1).map((word) => word.value) };
}

/** `cp` run as the account: the kernel applies its permissions to the source, and it owns the copy. */
const COPY_AS_SCRIPT =
  'test -f "$1" || { echo "not a regular file that $3 can read" >&2; exit 3; }; ' +
  'exec cp --preserve=mode -- "$1" "$2"';

function copyAs(user: RunAs, source: string, target: string): Promise<void> {
  const args = ['-c', COPY_AS_SCRIPT, 'sh', source, target, user.name];
  const options = { uid: user.uid, gid: user.gid, env: { PATH: '/usr/bin:/bin' } };
  return new Promise((done, fail) => {
    execFile('/bin/sh', args, options, (error, _out, err) => {
      if (error) fail(new Error(String(err).trim() || error.message));
      else done();
    });
  });
}
