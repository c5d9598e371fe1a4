// A real installation for a chaos scenario: `p3s server` as a child process (SQLite in a data dir,
// or a PostgreSQL URL), real pilots, and a client with the admin token.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { P3sClient } from '../../src/protocol/client.ts';
import {
  baseEnv,
  type Proc,
  p3s,
  type ServerProc,
  startPilotProcess,
  startServerProcess,
} from '../../test/helpers/processes.ts';

/** Lease seconds of every chaos server: outages are made longer than it. */
export const LEASE_SECONDS = 5;

export interface ChaosServer {
  proc: ServerProc;
  client: P3sClient;
  token: string;
  dataDir: string;
  /** The health route's answer: status and body. */
  health(): Promise<{
    status: number;
    body: { status?: string; startedAt?: number; error?: { message: string } };
  }>;
  /** Still the process started at the beginning, never restarted. */
  samePid(): Promise<boolean>;
}

export async function startChaosServer(setup: {
  dataDir: string;
  databaseUrl?: string;
}): Promise<ChaosServer> {
  const proc = await startServerProcess({
    ...setup,
    args: ['--lease', String(LEASE_SECONDS), '--pilot-timeout', '60'],
  });
  const token = readFileSync(join(setup.dataDir, 'admin.token'), 'utf8').trim();
  const client = new P3sClient({ server: proc.url, token, timeoutMs: 15_000 });
  const health = async () => {
    try {
      const response = await fetch(`${proc.url}/api/v1/health`);
      return { status: response.status, body: await response.json() };
    } catch (error) {
      const state = proc.child.exitCode === null ? 'runs' : `exited: ${proc.output().slice(-300)}`;
      return {
        status: 0,
        body: { error: { message: `no answer (${(error as Error).message}); the server ${state}` } },
      };
    }
  };
  const first = await health();
  return {
    proc,
    client,
    token,
    dataDir: setup.dataDir,
    health,
    samePid: async () => {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) return false;
      return (await health()).body.startedAt === first.body.startedAt;
    },
  };
}

/** `n` pilot processes (`p3s pilot -c 0`), beat 1 s, claiming every second. */
export function startPilots(server: ChaosServer, n: number): Proc[] {
  const env = baseEnv({ P3S_TOKEN: server.token });
  const args = ['--server', server.proc.url, '-c', '0', '-p', '1', '-b', '1'];
  return Array.from({ length: n }, () => startPilotProcess(server.dataDir, env, args));
}

/** `p3s pilots start -n N` (background pilots with their logs, work and job logs in the data dir). */
export async function startLocalPilots(server: ChaosServer, n: number): Promise<number[]> {
  const args = ['pilots', 'start', '-n', String(n), '-p', '1', '-b', '1', '--log-level', 'info'];
  args.push('--server', server.proc.url, '--data-dir', server.dataDir, '--json');
  const started = await p3s(args, baseEnv());
  if (started.code !== 0) throw new Error(`pilots start failed: ${started.stderr}`);
  return (JSON.parse(started.stdout) as { pilots: { pid: number }[] }).pilots.map((p) => p.pid);
}

export async function stopLocalPilots(server: ChaosServer): Promise<void> {
  await p3s(
    ['pilots', 'stop', '--local', '--data-dir', server.dataDir, '--server', server.proc.url, '--wait', '30'],
    baseEnv(),
  );
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
