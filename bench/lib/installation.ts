// A p3s installation for one benchmark: a store (SQLite file or a fresh PostgreSQL database),
// the real server as a child process, real pilot processes, and a client.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS } from '../../src/core/defaults.ts';
import { P3sClient } from '../../src/protocol/client.ts';
import { openStore as openP3sStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';
import { createTestDatabase } from '../../test/helpers/postgres.ts';
import {
  baseEnv,
  killAll,
  type Proc,
  removeDir,
  type ServerProc,
  startPilotProcess,
  startServerProcess,
  tempDir,
  waitFor,
} from '../../test/helpers/processes.ts';
import { LightClient } from './light-client.ts';

export type StoreKind = 'sqlite' | 'postgres';

export interface Installation {
  kind: StoreKind;
  dataDir: string;
  databaseUrl?: string;
  server?: ServerProc;
  client: P3sClient;
  /** The simulated pilots' light client (node:http keep-alive), set by start(). */
  pilotCalls: LightClient;
  start(serverArgs?: string[]): Promise<ServerProc>;
  /** A second store on the server's database, in this process (for the in-process simulated pilots). */
  openStore(): Promise<Store>;
  startPilots(n: number, args?: string[]): Proc[];
  waitForIdlePilots(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function makeInstallation(kind: StoreKind): Promise<Installation> {
  const dataDir = tempDir('p3s-bench-');
  const db = kind === 'postgres' ? await createTestDatabase() : undefined;
  const inst: Installation = {
    kind,
    dataDir,
    databaseUrl: db?.url,
    client: new P3sClient({ server: 'http://127.0.0.1:1' }),
    pilotCalls: new LightClient('http://127.0.0.1:1', ''),
    async start(serverArgs = []) {
      inst.server = await startServerProcess({ dataDir, databaseUrl: db?.url, args: serverArgs });
      // The server wrote its local admin token at start; the benchmark drives it as that admin.
      const token = readFileSync(join(dataDir, DEFAULTS.adminTokenFile), 'utf8').trim();
      inst.client = new P3sClient({ server: inst.server.url, timeoutMs: 120_000, token });
      inst.pilotCalls = new LightClient(inst.server.url, token);
      return inst.server;
    },
    openStore() {
      return openP3sStore({ databaseUrl: db?.url, sqlitePath: join(dataDir, DEFAULTS.databaseFile) });
    },
    startPilots(n, args = []) {
      const env = baseEnv({ P3S_HOME: dataDir, P3S_SERVER: inst.server?.url });
      return Array.from({ length: n }, () => startPilotProcess(dataDir, env, args));
    },
    async waitForIdlePilots(n) {
      await waitFor(
        `${n} idle pilots`,
        async () => (await inst.client.listPilots({ state: 'idle' })).total >= n,
        60_000,
      );
    },
    async close() {
      inst.pilotCalls.close();
      await killAll();
      await db?.drop();
      removeDir(dataDir);
    },
  };
  return inst;
}

/** Resident set size of a process in KiB (from /proc). */
export async function rssKb(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) : Number.NaN;
}
