// A real p3s installation for end-to-end tests: a server process on SQLite or
// PostgreSQL, pilot processes, and the CLI, all with one data directory.

import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from './postgres.ts';
import {
  baseEnv,
  type CliResult,
  killAll,
  type Proc,
  p3s,
  removeDir,
  type ServerProc,
  startPilotProcess,
  startServerProcess,
  tempDir,
} from './processes.ts';

export interface Cluster {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  server: ServerProc;
  databaseUrl?: string;
  cli(args: string[], options?: { timeoutMs?: number }): Promise<CliResult>;
  /** `p3s cli … --json`, parsed; throws with the output when the command fails. */
  // biome-ignore lint/suspicious/noExplicitAny: API answers in tests are arbitrary JSON
  json<T = any>(args: string[]): Promise<T>;
  /** `p3s job submit FILE --json` of these job objects, as a user would; the new jobs' ids. */
  submit(jobs: Record<string, unknown>[]): Promise<number[]>;
  startPilot(args?: string[]): Proc;
  /** Kills the server hard and starts it again on the same port and data. */
  restartServer(signal?: NodeJS.Signals): Promise<void>;
  close(): Promise<void>;
}

export async function makeCluster(
  options: { store?: 'sqlite' | 'postgres'; serverArgs?: string[] } = {},
): Promise<Cluster> {
  const dataDir = tempDir();
  let db: TestDatabase | undefined;
  if (options.store === 'postgres') db = await createTestDatabase();
  const setup = { dataDir, databaseUrl: db?.url, args: options.serverArgs };
  const cluster: Cluster = {
    dataDir,
    server: await startServerProcess(setup),
    databaseUrl: db?.url,
    env: {},
    cli: (args, o) => p3s(args, cluster.env, o),
    json: async (args) => {
      const res = await p3s([...args, '--json'], cluster.env);
      if (res.code !== 0)
        throw new Error(`p3s ${args.join(' ')} exited ${res.code}: ${res.stderr}${res.stdout}`);
      return JSON.parse(res.stdout);
    },
    submit: async (jobs) => {
      const file = join(dataDir, `jobs-${randomUUID()}.json`);
      writeFileSync(file, JSON.stringify(jobs));
      return (await cluster.json(['job', 'submit', file])).jobs.map((j: { id: number }) => j.id);
    },
    startPilot: (args = []) => startPilotProcess(dataDir, cluster.env, args),
    restartServer: async (signal = 'SIGKILL') => {
      cluster.server.signal(signal);
      await cluster.server.exited;
      cluster.server = await startServerProcess({ ...setup, port: cluster.server.port });
    },
    close: async () => {
      await killAll();
      await db?.drop();
      removeDir(dataDir);
    },
  };
  cluster.env = baseEnv({ P3S_HOME: dataDir, P3S_SERVER: cluster.server.url, USER: 'tester' });
  return cluster;
}
