// 20 concurrent pilots against 500 queued jobs: every job runs exactly once, proven by
// the payloads' own record of their runs, on SQLite and on PostgreSQL.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { postgresAvailable } from '../helpers/postgres.ts';
import { waitFor } from '../helpers/processes.ts';

const RECORD = join(import.meta.dirname, '..', 'fixtures', 'payloads', 'record-run.sh');
const JOBS = 500;
const PILOTS = 20;

let c: Cluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

async function runExactlyOnce(store: 'sqlite' | 'postgres') {
  c = await makeCluster({ store });
  const runLog = join(c.dataDir, 'runs.log');
  writeFileSync(runLog, '');
  const jobs = Array.from({ length: JOBS }, (_, i) => ({
    name: `once-${i}`,
    payload: RECORD,
    env: { RUN_LOG: runLog },
  }));
  const file = join(c.dataDir, 'many.json');
  writeFileSync(file, JSON.stringify(jobs));
  const submitted = await c.json(['job', 'submit', file]);
  const ids: number[] = (submitted.jobs ?? submitted).map((j: { id: number }) => j.id);
  expect(ids).toHaveLength(JOBS);

  const pilots = Array.from({ length: PILOTS }, () => c!.startPilot(['-c', '0', '-b', '2', '-p', '1']));
  await waitFor(
    'all jobs finished',
    async () => (await c!.json(['summary'])).jobs.finished === JOBS,
    120_000,
    500,
  );
  for (const p of pilots) p.signal('SIGTERM');
  const codes = await Promise.all(pilots.map((p) => p.exited));
  expect(codes.every((code) => code === 0)).toBe(true);

  const runs = readFileSync(runLog, 'utf8').trim().split('\n').map(Number);
  const counts = new Map<number, number>();
  for (const id of runs) counts.set(id, (counts.get(id) ?? 0) + 1);
  expect(runs).toHaveLength(JOBS);
  expect([...counts.keys()].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
  expect([...counts.values()].every((n) => n === 1)).toBe(true);

  const pilotList = await c.json(['pilots', 'list', '--all']);
  const used = pilotList.pilots.filter((p: { jobsRun: number }) => p.jobsRun > 0);
  expect(used.length).toBeGreaterThan(1);
}

describe('concurrent pilots', () => {
  it(
    `run ${JOBS} jobs exactly once with ${PILOTS} pilots on SQLite`,
    () => runExactlyOnce('sqlite'),
    180_000,
  );
  it.runIf(postgresAvailable())(
    `run ${JOBS} jobs exactly once with ${PILOTS} pilots on PostgreSQL`,
    () => runExactlyOnce('postgres'),
    180_000,
  );
});
