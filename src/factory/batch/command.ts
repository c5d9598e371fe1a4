// Runs a batch-system command (sbatch, squeue, condor_submit…) to completion with a time limit,
// capturing its output, in an environment without p3s's own variables: the factory's admin token
// must never reach a batch job (sbatch passes its environment on by default).

import { spawn } from 'node:child_process';
import { withoutCredentials } from '../../core/credentials.ts';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type RunCommand = (
  file: string,
  args: string[],
  options?: { input?: string; timeoutMs?: number },
) => Promise<CommandResult>;

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * The factory's environment without P3S_* variables (tokens, server, data dir) and without any
 * other credential (core's rule: a database password of a `p3s server --factory`).
 */
export function batchEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(withoutCredentials(env)).filter(([key]) => !key.startsWith('P3S_')),
  );
}

/** Spawns the command; a missing program or a time-out resolves with code 127 or 124 and says so. */
export const runCommand: RunCommand = (file, args, options = {}) =>
  new Promise((resolve) => {
    const child = spawn(file, args, { env: batchEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      stderr += `\n${file} did not answer within ${(options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000} s`;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: `cannot run ${file}: ${error.message}` });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal === 'SIGKILL' ? 124 : 128), stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });

/** The command's complaint in one line, for a worker's reason or a log. */
export function complaint(file: string, result: CommandResult): string {
  const text = (result.stderr.trim() || result.stdout.trim()).split('\n').filter(Boolean);
  const last = text.slice(-2).join(' / ');
  return `${file} exited ${result.code}${last ? `: ${last}` : ''}`.slice(0, 2000);
}
