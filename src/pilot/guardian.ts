// The payload guardian: a small process per pilot (guardian-main.ts, Node builtins only) that holds
// a pipe from the pilot. When the pipe ends — the pilot exited, or was killed with SIGKILL and
// could not clean up — it kills what the pilot's payloads left (guardian-sweep.ts) and exits. So
// no payload outlives its pilot, also where the pilot may not create cgroups.

import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { formatNote } from './guardian-sweep.ts';

export interface Guardian {
  /** A payload started in process group `pgid`. */
  started(pgid: number): void;
  /** That payload's processes are all gone. */
  drained(pgid: number): void;
  /** Ends the pipe: the guardian sweeps (finding nothing after a clean stop) and exits. */
  close(): Promise<void>;
}

/** How long close() waits for the guardian's sweep. */
const CLOSE_WAIT_MS = 5000;

/**
 * Starts the pilot's guardian, which sweeps the processes marked with any of `pilotUuids` (the
 * pilot's slots each mark their payloads with their own); null (logged) when it cannot be started.
 */
export function startGuardian(
  pilotUuids: readonly string[],
  cgroupDir: string | null,
  log: Logger,
): Guardian | null {
  const { file, execArgv } = guardianEntry();
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...execArgv, file, cgroupDir ?? '-', ...pilotUuids], {
      // Its own session: a Ctrl-C or a kill of the pilot's process group does not reach it.
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      // Nothing of the pilot's environment (its token): it needs none.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
  } catch (error) {
    log.warn({ err: error }, 'cannot start the payload guardian: payloads may outlive a killed pilot');
    return null;
  }
  const stdin = child.stdin;
  if (!stdin) return null;
  let closing = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('error', (error) => log.warn({ err: error }, 'payload guardian failed'));
  child.once('exit', (code, signal) => {
    if (!closing)
      log.warn({ code, signal }, 'the payload guardian exited: payloads may outlive a killed pilot');
  });
  // A guardian that died must not take the pilot with it (EPIPE on the next note).
  stdin.on('error', () => undefined);
  // Neither the guardian nor its pipe keeps the pilot's event loop alive.
  child.unref();
  (stdin as unknown as { unref?: () => void }).unref?.();
  const note = (text: string) => {
    if (!closing && stdin.writable) stdin.write(text);
  };
  return {
    started: (pgid) => note(formatNote({ kind: 'started', pgid })),
    drained: (pgid) => note(formatNote({ kind: 'drained', pgid })),
    close: async () => {
      if (closing) return;
      closing = true;
      stdin.end();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        exited,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS))),
      ]);
      clearTimeout(timer);
    },
  };
}

/** guardian-main's file: beside this one, compiled (dist) or run through tsx (the sources). */
function guardianEntry(): { file: string; execArgv: string[] } {
  const here = import.meta.url;
  if (!here.endsWith('.ts'))
    return { file: fileURLToPath(new URL('./guardian-main.js', here)), execArgv: [] };
  const tsx = pathToFileURL(createRequire(here).resolve('tsx')).href;
  return { file: fileURLToPath(new URL('./guardian-main.ts', here)), execArgv: ['--import', tsx] };
}
