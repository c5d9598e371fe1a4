// A private PostgreSQL cluster for fault tests: initdb into a temp dir, its own port, started and
// stopped with pg_ctl (`-m fast`, `-m immediate`) as an operator would, as .ci/run's fallback does.
// Run as root, the cluster runs as the `postgres` user (PostgreSQL refuses root); otherwise as us.

import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import { freePort } from './processes.ts';

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/p3s */
  readonly url: string;
  readonly port: number;
  /** Stops the cluster; `fast` ends sessions cleanly, `immediate` is a crash (recovery at start). */
  stop(mode: 'fast' | 'immediate'): void;
  start(): void;
  /** Ends every session on the database except our own; returns how many. */
  terminateBackends(): Promise<number>;
  /** Stops the cluster and removes its files. */
  destroy(): void;
}

/** The newest installed PostgreSQL's bin directory, or undefined. */
export function postgresBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(a) - Number(b));
  const newest = versions.at(-1);
  return newest === undefined ? undefined : join(base, newest, 'bin');
}

/**
 * Whether a private cluster can be made here (PostgreSQL's server binaries installed; as root, a
 * `postgres` user). Tests that need one skip with a warning otherwise; `npm run chaos`, which CI
 * runs after installing the binaries, fails instead.
 */
export function privatePostgresAvailable(): boolean {
  const available =
    postgresBinDir() !== undefined &&
    (process.getuid?.() !== 0 || spawnSync('id', ['-u', 'postgres']).status === 0);
  if (!available && !warned) {
    warned = true;
    console.warn('no PostgreSQL server binaries (initdb) here: skipping the private-cluster fault tests');
  }
  return available;
}
let warned = false;

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)');
  const root = mkdtempSync(join(tmpdir(), 'p3s-private-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(root, uid, gid);
    chmodSync(root, 0o700);
  }
  const run = (file: string, args: string[]) => {
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
    const result = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000 });
    if (result.status !== 0)
      throw new Error(`${file} ${args.join(' ')} failed: ${result.stderr || result.stdout || result.error}`);
  };
  const port = await freePort();
  const data = join(root, 'data');
  const log = join(root, 'log');
  run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  // fsync off: a crash of the server process (`-m immediate`) keeps what the OS page cache has.
  const settings = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const start = () =>
    run(join(bin, 'pg_ctl'), ['-D', data, '-l', log, '-o', settings, '-w', '-t', '60', 'start']);
  const stop = (mode: 'fast' | 'immediate') =>
    run(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
  start();
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await query(adminUrl, 'CREATE DATABASE p3s');
  const url = `postgres://postgres@127.0.0.1:${port}/p3s`;
  let destroyed = false;
  return {
    url,
    port,
    stop,
    start,
    terminateBackends: async () => {
      const rows = await query(
        adminUrl,
        `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
         WHERE datname = 'p3s' AND pid <> pg_backend_pid()`,
      );
      return rows.length;
    },
    destroy: () => {
      if (destroyed) return;
      destroyed = true;
      try {
        stop('immediate');
      } catch {
        // already stopped
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

async function query(url: string, text: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

export interface PrivatePostgresStore {
  cluster: PrivatePostgres;
  store: Store;
}

/** Call inside a describe block: a private cluster and a migrated store on it, set before the first test. */
export function usePrivatePostgresStore(): PrivatePostgresStore {
  const fixture = {} as PrivatePostgresStore;
  beforeAll(async () => {
    fixture.cluster = await startPrivatePostgres();
    fixture.store = await openStore({ databaseUrl: fixture.cluster.url });
    await fixture.store.migrate();
  }, 120_000);
  afterAll(async () => {
    await fixture.store?.close();
    fixture.cluster?.destroy();
  });
  return fixture;
}
