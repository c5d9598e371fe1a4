// Runs the real `p3s` binary (bin/p3s.js) as child processes for end-to-end tests:
// one-shot CLI commands, a server, pilots; and cleans every one of them up.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'p3s.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A scratch directory removed by cleanup(). */
export function tempDir(prefix = 'p3s-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function baseEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return env;
}

/** Runs one CLI command to completion. */
export function p3s(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { timeoutMs?: number; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env, cwd: options.cwd, timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A port that was free a moment ago (for servers that must come back on the same port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface Proc {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  signal(sig: NodeJS.Signals): void;
}

/** Starts a long-running `p3s …` process, capturing its output. */
export function startP3s(args: string[], env: NodeJS.ProcessEnv): Proc {
  return startProcess(process.execPath, [BIN, ...args], env);
}

/** Starts any long-running process (e.g. p3s through chroot), capturing its output; killAll ends it. */
export function startProcess(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Proc {
  const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, sig) => resolve(code ?? sig ?? -1)),
  );
  live.add(child);
  exited.then(() => live.delete(child));
  return {
    child,
    output: () => out,
    exited,
    signal: (sig) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    },
  };
}

/** Starts `p3s pilot` with its work and joblog dirs under `dataDir` and a quiet log. */
export function startPilotProcess(dataDir: string, env: NodeJS.ProcessEnv, args: string[] = []): Proc {
  const dirs = ['--work-dir', join(dataDir, 'work'), '--joblog-dir', join(dataDir, 'joblogs')];
  return startP3s(['pilot', ...dirs, '--log-level', 'warn', ...args], env);
}

const live = new Set<ChildProcess>();

/** Kills every process started by startP3s that is still alive. */
export async function killAll(): Promise<void> {
  const waits = [...live].map(
    (child) =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
}

export interface ServerProc extends Proc {
  url: string;
  port: number;
}

export interface ServerSetup {
  dataDir: string;
  port?: number;
  databaseUrl?: string;
  args?: string[];
}

/** Starts `p3s server` and waits until its health route answers. */
export async function startServerProcess(setup: ServerSetup): Promise<ServerProc> {
  const port = setup.port ?? (await freePort());
  const args = [
    'server',
    '--port',
    String(port),
    '--data-dir',
    setup.dataDir,
    '--log-level',
    'warn',
    ...(setup.args ?? []),
  ];
  if (setup.databaseUrl) args.push('--database-url', setup.databaseUrl);
  const proc = startP3s(args, baseEnv());
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    `server on ${url}`,
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`server exited: ${proc.output()}`);
      const res = await fetch(`${url}/api/v1/health`);
      return res.ok;
    },
    30_000,
  );
  return { ...proc, url, port };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** True while a process with this pid exists and is not a zombie (an unreaped zombie has already died). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
