// Puts N defined jobs straight into a migrated, stopped store with one INSERT … SELECT:
// the API would take minutes for 10^6 jobs, and only the queue depth matters here.

import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.ts';
import type { Installation } from './installation.ts';

const COLUMNS =
  'uuid, name, user_name, jobtype, payload, env, priority, timelimit, state, attempt, kill_requested, created_at, defined_at, updated_at';

export async function bulkLoadDefinedJobs(inst: Installation, count: number): Promise<void> {
  const sqlitePath = join(inst.dataDir, 'p3s.db');
  const store = await openStore({ databaseUrl: inst.databaseUrl, sqlitePath });
  await store.migrate();
  await store.close();
  const now = Date.now();
  if (inst.kind === 'sqlite') {
    const db = new Database(sqlitePath);
    db.prepare(
      `INSERT INTO jobs (${COLUMNS})
       WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       SELECT lower(hex(randomblob(16))), 'queued-' || i, 'bench', 'default', '/bin/true', '{}', 0, 1000,
              'defined', 1, 0, ?, ?, ?
       FROM n`,
    ).run(count, now, now, now);
    db.close();
  } else {
    const client = new pg.Client({ connectionString: inst.databaseUrl });
    await client.connect();
    await client.query(
      `INSERT INTO jobs (${COLUMNS})
       SELECT gen_random_uuid()::text, 'queued-' || i, 'bench', 'default', '/bin/true', '{}', 0, 1000,
              'defined', 1, 0, $1, $1, $1
       FROM generate_series(1, $2) AS i`,
      [now, count],
    );
    await client.query('ANALYZE jobs');
    await client.end();
  }
}
