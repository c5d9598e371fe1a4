// /metrics as Prometheus itself takes it, with Debian's prometheus package: `promtool check
// metrics` passes a real scrape of a server that ran jobs, and a real Prometheus, started on a
// free port with a temporary config and a bearer token (the server's read policy is `token`),
// scrapes the server and answers queries through its HTTP API with the counts p3s holds.
// Without promtool and prometheus these tests skip, and npm test says so (test/global-setup.ts);
// CI installs them and sets P3S_REQUIRE_PROMETHEUS=1, which turns a skip into a failure.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { type Proc, removeDir, tempDir, waitFor } from '../helpers/processes.ts';
import { startPrometheus } from '../helpers/prometheus.ts';
import { prometheusCheck, runs } from '../helpers/tools.ts';

const check = prometheusCheck();
const [promtool, prometheus] = check.paths ?? [];

let c: Cluster;
let pilot: Proc;
let token: string;
let dir: string;
beforeAll(async () => {
  if (!runs(check)) return;
  if (!check.paths)
    throw new Error(`no ${check.what}, and the metrics tests are required here: ${check.install}`);
  dir = tempDir('p3s-prometheus-');
  c = await makeCluster({ serverArgs: ['--read-policy', 'token'] });
  token = readFileSync(join(c.dataDir, 'admin.token'), 'utf8').trim();
  pilot = c.startPilot(['-c', '0', '-b', '0.5']);
  const jobs = [
    ...Array.from({ length: 3 }, (_, i) => ({ name: `ok-${i}`, payload: '/bin/true', jobtype: 'reco' })),
    { name: 'bad', payload: '/bin/false', jobtype: 'calib' },
  ];
  expect((await c.cli(['job', 'submit', JSON.stringify(jobs), '--wait'])).code).toBe(1);
  await c.cli([
    'job',
    'submit',
    JSON.stringify([1, 2].map((i) => ({ name: `w${i}`, site: 'nowhere', payload: '/bin/true' }))),
  ]);
}, 120_000);
afterAll(async () => {
  pilot?.signal('SIGTERM');
  await c?.close();
  if (dir) removeDir(dir);
});

const scrape = async () =>
  (await fetch(`${c.server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();

describe.skipIf(!runs(check))('/metrics with Prometheus', () => {
  it('passes promtool check metrics on a real scrape (and promtool does refuse a bad one)', async () => {
    const text = await scrape();
    expect(text).toContain('p3s_jobs{');
    const good = spawnSync(promtool as string, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(good.stdout + good.stderr).toBe('');
    expect(good.status).toBe(0);
    const bad = spawnSync(promtool as string, ['check', 'metrics'], {
      input: '# HELP p3s_things_total x\n# TYPE p3s_things_total gauge\np3s_things_total 1\n',
      encoding: 'utf8',
    });
    expect(bad.status).not.toBe(0);
    expect(bad.stdout + bad.stderr).toContain('non-counter metrics should not have "_total" suffix');
  });

  it('is scraped by a real Prometheus, which answers queries with what p3s holds', async () => {
    const prom = await startPrometheus(
      prometheus as string,
      dir,
      c.server.url.replace('http://', ''),
      join(c.dataDir, 'admin.token'),
    );
    const one = async (expr: string) => Number((await prom.query(expr))[0]?.value[1] ?? Number.NaN);
    await waitFor('the p3s target up', async () => (await one('up{job="p3s"}')) === 1, 60_000, 500);
    await waitFor('jobs scraped', async () => (await one('sum(p3s_jobs)')) === 6, 60_000, 500);
    expect(await one('sum(p3s_jobs{state="finished",jobtype="reco"})')).toBe(3);
    expect(await one('sum(p3s_jobs{state="failed"})')).toBe(1);
    expect(await one('p3s_queue_depth{site="nowhere"}')).toBe(2);
    expect(await one('p3s_queue_oldest_age_seconds{site="nowhere"}')).toBeGreaterThan(0);
    expect(await one('sum(p3s_finishes_total)')).toBe(4);
    expect(await one('sum(p3s_claims_total{result="job"})')).toBe(4);
    expect(await one('sum(p3s_pilots{state=~"idle|running"})')).toBe(1);
    expect(await one('p3s_store_snapshot_ok')).toBe(1);
    expect(await one('sum(p3s_http_requests_total{route="/api/v1/jobs/:id/finish"})')).toBe(4);
    expect(await one('count(process_resident_memory_bytes{job="p3s"})')).toBe(1);
  }, 120_000);
});
