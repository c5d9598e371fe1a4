// /metrics on a real server process with real pilots running a mixed load, scraped all along the
// way: the jobs, queue and pilot gauges equal what the database holds (counted by our own SQL),
// the counters and histograms equal the claims and ends the database recorded, labels carry route
// patterns and states only, and /metrics is a read like any other under the token read policy.
// On SQLite and on PostgreSQL: the snapshot query is the store's.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { type Proc, waitFor } from '../helpers/processes.ts';
import { parseMetrics, type Sample, series, total } from '../helpers/prometheus.ts';

type Rows = Record<string, unknown>[];

/** Our own SQL over the server's database: what the metrics must agree with. */
async function databaseCounts(c: Cluster) {
  const queries = {
    jobs: 'SELECT state, site, jobtype, COUNT(*) AS n FROM jobs GROUP BY state, site, jobtype',
    pilots: 'SELECT state, site, COUNT(*) AS n FROM pilots GROUP BY state, site',
    claims: "SELECT COUNT(*) AS n FROM job_events WHERE transition = 'claim'",
    waiting:
      "SELECT site, jobtype, COUNT(*) AS n, MIN(defined_at) AS oldest FROM jobs WHERE state = 'defined' GROUP BY site, jobtype",
  };
  const rows: Record<keyof typeof queries, Rows> = { jobs: [], pilots: [], claims: [], waiting: [] };
  if (c.databaseUrl) {
    const client = new pg.Client({ connectionString: c.databaseUrl });
    await client.connect();
    for (const [key, sql] of Object.entries(queries))
      rows[key as keyof typeof queries] = (await client.query(sql)).rows;
    await client.end();
  } else {
    const db = new BetterSqlite3(join(c.dataDir, 'p3s.db'), { readonly: true });
    for (const [key, sql] of Object.entries(queries))
      rows[key as keyof typeof queries] = db.prepare(sql).all() as Rows;
    db.close();
  }
  const keyed = (list: Rows, labels: string[]) =>
    Object.fromEntries(
      list.map((r) => [
        labels
          .sort()
          .map((l) => `${l}=${r[l] ?? ''}`)
          .join(','),
        Number(r.n),
      ]),
    );
  return {
    jobs: keyed(rows.jobs, ['state', 'site', 'jobtype']),
    pilots: keyed(rows.pilots, ['state', 'site']),
    claims: Number(rows.claims[0]?.n),
    waiting: keyed(rows.waiting, ['site', 'jobtype']),
    oldest: Math.min(...rows.waiting.map((r) => Number(r.oldest))),
  };
}

describe.each(['sqlite', 'postgres'] as const)('/metrics on %s', (store) => {
  let c: Cluster;
  let pilots: Proc[] = [];
  let token: string;
  beforeAll(async () => {
    c = await makeCluster({ store, serverArgs: ['--read-policy', 'token'] });
    token = readFileSync(join(c.dataDir, 'admin.token'), 'utf8').trim();
  });
  afterAll(async () => {
    for (const p of pilots) p.signal('SIGTERM');
    await c?.close();
  });

  const scrape = async (bearer: string | null = token) =>
    fetch(`${c.server.url}/metrics`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
  const samples = async (): Promise<Sample[]> => parseMetrics(await (await scrape()).text());

  it('reports what the database holds and what the pilots did, scraped under load', async () => {
    // Scrapes all the while: each must parse, and none may hold the load back.
    let scraping = true;
    let scrapes = 0;
    const scraper = (async () => {
      while (scraping) {
        const res = await scrape();
        expect(res.status).toBe(200);
        parseMetrics(await res.text());
        scrapes++;
      }
    })();
    const kinds = [
      { jobtype: 'reco', site: 'cern', payload: '/bin/true' },
      { jobtype: 'reco', payload: '/bin/true' },
      { jobtype: 'calib', site: 'cern', payload: '/bin/false' },
      { jobtype: 'calib', payload: '/bin/sh -c "sleep 1.2"' },
    ];
    for (let batch = 0; batch < 5; batch++) {
      const jobs = Array.from({ length: 24 }, (_, i) => ({ name: `load-${batch}-${i}`, ...kinds[i % 4] }));
      const res = await c.cli(['job', 'submit', JSON.stringify(jobs)]);
      expect(res.code, res.stderr).toBe(0);
      // The first batch waits for the pilots, which find it on their first claim; the others
      // are claimed by long-polls woken by the submission and by finishes that fetch the next job.
      if (batch === 0) {
        pilots = [
          c.startPilot(['-c', '0', '-b', '0.5', '-s', 'cern']),
          c.startPilot(['-c', '0', '-b', '0.5', '-s', 'cern']),
          c.startPilot(['-c', '0', '-b', '0.5']),
        ];
        await waitFor('3 pilots', async () => (await c.json(['pilots', 'list'])).total === 3, 30_000);
      }
    }
    // Jobs no pilot takes: for a site nobody serves, and parked templates.
    const waitingSince = Date.now();
    await c.json([
      'job',
      'submit',
      JSON.stringify([
        { name: 'w1', site: 'nowhere', payload: '/bin/true' },
        { name: 'w2', site: 'nowhere', payload: '/bin/true' },
        { name: 't1', jobtype: 'calib', payload: '/bin/true', state: 'template' },
      ]),
    ]);
    await waitFor(
      'the load to end',
      async () =>
        (await c.json(['job', 'list', '--state', 'defined,dispatched,running', '--limit', '10'])).total === 2,
      120_000,
      250,
    );
    scraping = false;
    await scraper;
    expect(scrapes).toBeGreaterThan(10);

    const db = await databaseCounts(c);
    // The gauges come from a snapshot up to 5 s old: the first one taken after the load matches.
    let m: Sample[] = [];
    await waitFor(
      'the jobs gauge to reach the database',
      async () => {
        m = await samples();
        return JSON.stringify(sorted(series(m, 'p3s_jobs'))) === JSON.stringify(sorted(db.jobs));
      },
      20_000,
      500,
    );
    expect(series(m, 'p3s_jobs')).toEqual(sorted(db.jobs));
    expect(series(m, 'p3s_pilots')).toEqual(sorted(db.pilots));
    expect(series(m, 'p3s_queue_depth')).toEqual(sorted(db.waiting));
    expect(db.waiting).toEqual({ 'jobtype=default,site=nowhere': 2 });
    const age = total(m, 'p3s_queue_oldest_age_seconds', { site: 'nowhere' });
    expect(age).toBeGreaterThanOrEqual((Date.now() - 6000 - db.oldest) / 1000);
    expect(age).toBeLessThanOrEqual((Date.now() - waitingSince) / 1000 + 1);
    expect(total(m, 'p3s_store_snapshot_ok')).toBe(1);

    // Every claim the database recorded was counted once, with its dispatch latency.
    expect(total(m, 'p3s_claims_total', { result: 'job' })).toBe(db.claims);
    expect(db.claims).toBe(120);
    expect(total(m, 'p3s_dispatch_latency_seconds_count')).toBe(db.claims);
    // Every end, by state, with its run time; heartbeats from the jobs that ran over a beat.
    for (const state of ['finished', 'failed']) {
      const inDb = Object.entries(db.jobs)
        .filter(([key]) => key.endsWith(`state=${state}`))
        .reduce((n, [, count]) => n + count, 0);
      expect(total(m, 'p3s_finishes_total', { state }), state).toBe(inDb);
      expect(total(m, 'p3s_job_run_duration_seconds_count', { state }), state).toBe(inDb);
    }
    expect(total(m, 'p3s_finishes_total', { state: 'failed' })).toBe(30);
    expect(total(m, 'p3s_heartbeats_total')).toBeGreaterThan(0);
    const finishOk = total(m, 'p3s_store_operation_duration_seconds_count', {
      operation: 'finish',
      outcome: 'ok',
    });
    expect(finishOk).toBe(120);
    expect(total(m, 'p3s_http_requests_total', { route: '/api/v1/jobs/:id/finish', status: '200' })).toBe(
      120,
    );
    expect(total(m, 'p3s_http_requests_total', { route: '/metrics', status: '200' })).toBeGreaterThanOrEqual(
      scrapes,
    );
    // Labels hold patterns and states, never an id, a job name or a uuid.
    const values = m.flatMap((s) => Object.values(s.labels));
    expect(values.filter((v) => /\/\d+(\/|$)|load-\d|[0-9a-f]{8}-[0-9a-f]{4}-/.test(v))).toEqual([]);
    // The process's own metrics.
    expect(total(m, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(total(m, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  }, 240_000);

  it('is a read under the token read policy: a user or admin token, not a pilot token, not none', async () => {
    const user = (
      await c.cli(['token', 'create', '--role', 'user', '--name', `reader-${store}`])
    ).stdout.trim();
    const pilot = (
      await c.cli(['token', 'create', '--role', 'pilot', '--name', `pilot-${store}`])
    ).stdout.trim();
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape('not-a-token')).status).toBe(401);
    expect((await scrape(pilot)).status).toBe(403);
    const res = await scrape(user);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});

/** `keyed` rows with their keys in the order series() gives. */
function sorted(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
