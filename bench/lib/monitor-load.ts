// Puts N jobs of a month of history into a migrated, stopped store with INSERT … SELECT: mixed
// states (mostly finished, some failed, cancelled, waiting, running), types, sites and users, each
// with its job_events, so the monitor's pages and aggregates see a realistic 10^6-job database.

import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.ts';
import type { Installation } from './installation.ts';

const MONTH_MS = 30 * 86_400_000;

/** The SELECT list for job number `i` (1..count) created at `t`; shared by both dialects. */
function jobColumns(uuid: string, i: string, t: string): string {
  const r = `(${i} % 1000)`;
  const state = `CASE WHEN ${r} < 850 THEN 'finished' WHEN ${r} < 930 THEN 'failed' WHEN ${r} < 950 THEN 'cancelled'
    WHEN ${r} < 990 THEN 'defined' WHEN ${r} < 995 THEN 'running' ELSE 'template' END`;
  const ran = `${r} < 950 OR (${r} >= 990 AND ${r} < 995)`;
  const ended = `${r} < 950`;
  return `${uuid}, 'reco-' || ${i},
    CASE ${i} % 4 WHEN 0 THEN 'alice' WHEN 1 THEN 'bob' WHEN 2 THEN 'carol' ELSE 'dave' END,
    CASE ${i} % 5 WHEN 0 THEN 'reco' WHEN 1 THEN 'calib' WHEN 2 THEN 'evdisp' WHEN 3 THEN 'purity' ELSE 'sim' END,
    '/bin/true', '{}', ${i} % 3, 1000,
    CASE ${i} % 3 WHEN 0 THEN 'cern' WHEN 1 THEN 'fnal' ELSE NULL END,
    ${state}, 1,
    CASE WHEN ${ran} THEN ${i} % 200 + 1 END,
    CASE WHEN ${ran} THEN 'node-' || (${i} % 50) END,
    CASE WHEN ${ran} THEN CASE ${i} % 3 WHEN 1 THEN 'fnal' ELSE 'cern' END END,
    CASE WHEN ${r} < 850 THEN 0 WHEN ${r} < 930 THEN ${i} % 7 + 1 END,
    CASE WHEN ${r} >= 850 AND ${r} < 930 THEN 'exit_code' WHEN ${r} >= 930 AND ${r} < 950 THEN 'killed' END,
    CASE WHEN ${r} >= 850 AND ${r} < 930 THEN 1100 WHEN ${r} >= 930 AND ${r} < 950 THEN 1201 END,
    CASE WHEN ${r} >= 850 AND ${r} < 930 THEN 'payload exited with status ' || (${i} % 7 + 1)
         WHEN ${r} >= 930 AND ${r} < 950 THEN 'killed on request' END,
    0,
    CASE WHEN ${ended} THEN 12.5 END, CASE WHEN ${ended} THEN 20480 END,
    ${t}, ${t},
    CASE WHEN ${ran} THEN ${t} + 2000 END,
    CASE WHEN ${ran} THEN ${t} + 5000 END,
    CASE WHEN ${ended} THEN ${t} + 65000 END,
    CASE WHEN ${ended} THEN ${t} + 65000 WHEN ${ran} THEN ${t} + 5000 ELSE ${t} END`;
}

const JOB_COLUMNS = `uuid, name, user_name, jobtype, payload, env, priority, timelimit, site, state, attempt,
  pilot_id, host, ran_at_site, exit_code, error_name, error_code, error_diag, kill_requested, cpu_seconds,
  max_rss_kb, created_at, defined_at, dispatched_at, started_at, ended_at, updated_at`;

/** Each job's history: submit; claim and start for jobs that ran; the end for jobs that ended. */
const EVENTS = [
  `SELECT id, 1, created_at, NULL, CASE WHEN state = 'template' THEN 'template' ELSE 'defined' END, 'submit', user_name FROM jobs`,
  `SELECT id, 1, dispatched_at, 'defined', 'dispatched', 'claim', 'pilot' FROM jobs WHERE dispatched_at IS NOT NULL`,
  `SELECT id, 1, started_at, 'dispatched', 'running', 'start', 'pilot' FROM jobs WHERE started_at IS NOT NULL`,
  `SELECT id, 1, ended_at, 'running', state, CASE state WHEN 'finished' THEN 'finish' WHEN 'failed' THEN 'fail' ELSE 'cancel' END, 'pilot'
     FROM jobs WHERE ended_at IS NOT NULL`,
];
const EVENT_COLUMNS = 'job_id, attempt, at, from_state, to_state, transition, actor';

/** 200 pilots that ran the jobs: 20 still live. */
function pilotSelect(now: number): string {
  return `SELECT 'bench-pilot-' || i, 'node-' || (i % 50), CASE i % 3 WHEN 1 THEN 'fnal' ELSE 'cern' END, 1000 + i, NULL,
    '[]', 'bench', 0, CASE WHEN i <= 20 THEN 'idle' ELSE 'stopped' END, NULL, 5000, 0,
    ${now} - 86400000, ${now}, CASE WHEN i <= 20 THEN NULL ELSE ${now} - 3600000 END`;
}
const PILOT_COLUMNS = `uuid, host, site, pid, batch_id, job_types, version, lifetime, state, current_job_id, jobs_run,
  stop_requested, registered_at, last_seen_at, ended_at`;

export async function bulkLoadMonitorJobs(inst: Installation, count: number): Promise<void> {
  const sqlitePath = join(inst.dataDir, 'p3s.db');
  const store = await openStore({ databaseUrl: inst.databaseUrl, sqlitePath });
  await store.migrate();
  await store.close();
  const now = Date.now();
  const step = Math.floor(MONTH_MS / count);
  if (inst.kind === 'sqlite') {
    const db = new Database(sqlitePath);
    db.pragma('journal_mode = WAL');
    db.transaction(() => {
      db.prepare(
        `INSERT INTO jobs (${JOB_COLUMNS})
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})
         SELECT ${jobColumns('lower(hex(randomblob(16)))', 'i', `(${now} - (${count} - i) * ${step})`)} FROM n`,
      ).run();
      for (const select of EVENTS) db.prepare(`INSERT INTO job_events (${EVENT_COLUMNS}) ${select}`).run();
      db.prepare(
        `INSERT INTO pilots (${PILOT_COLUMNS})
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) ${pilotSelect(now)} FROM n`,
      ).run();
    })();
    db.exec('ANALYZE');
    db.close();
  } else {
    const client = new pg.Client({ connectionString: inst.databaseUrl });
    await client.connect();
    await client.query(
      `INSERT INTO jobs (${JOB_COLUMNS})
       SELECT ${jobColumns('gen_random_uuid()::text', 'i', `(${now}::bigint - (${count} - i)::bigint * ${step})`)}
       FROM generate_series(1, ${count}) AS i`,
    );
    for (const select of EVENTS) await client.query(`INSERT INTO job_events (${EVENT_COLUMNS}) ${select}`);
    await client.query(
      `INSERT INTO pilots (${PILOT_COLUMNS}) ${pilotSelect(now)} FROM generate_series(1, 200) AS i`,
    );
    await client.query('VACUUM ANALYZE');
    await client.end();
  }
}
