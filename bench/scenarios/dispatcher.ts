// Scenario 3: dispatcher throughput without subprocesses — simulated pilots claim and finish
// at once. Peer in the same run on the same PostgreSQL: graphile-worker 0.17 with a no-op
// task and the same concurrency.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TEST_POSTGRES_URL } from '../../test/helpers/postgres.ts';
import { makeInstallation, type StoreKind } from '../lib/installation.ts';
import { drainJobs, registerSimulatedPilots, submitTrivialJobs } from '../lib/simulated-pilots.ts';
import { percentile, preciseNow } from '../lib/stats.ts';

export async function dispatcherThroughput(kind: StoreKind, jobs: number, pilots: number) {
  const inst = await makeInstallation(kind);
  try {
    await inst.start();
    const uuids = await registerSimulatedPilots(inst.client, pilots);
    await submitTrivialJobs(inst.client, jobs);
    const result = await drainJobs(inst.pilotCalls, uuids, jobs);
    return {
      store: kind,
      jobs,
      pilots,
      jobsPerSecond: result.jobsPerSecond,
      claimP99Ms: percentile(result.claimLatenciesMs, 99),
    };
  } finally {
    await inst.close();
  }
}

/** graphile-worker on a fresh database of the same PostgreSQL server, `jobs` no-op jobs, `concurrency` slots. */
export async function graphileThroughput(jobs: number, concurrency: number): Promise<number> {
  const { Logger, run, makeWorkerUtils } = await import('graphile-worker');
  const logger = new Logger(() => () => {});
  const name = `p3s_bench_graphile_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  const connectionString = url.toString();
  try {
    const utils = await makeWorkerUtils({ connectionString, logger });
    await utils.migrate();
    for (let i = 0; i < jobs; i += 5000) {
      const size = Math.min(5000, jobs - i);
      await utils.addJobs(Array.from({ length: size }, () => ({ identifier: 'noop', payload: {} })));
    }
    await utils.release();
    let done = 0;
    let resolveDone: () => void = () => {};
    const allDone = new Promise<void>((resolve) => {
      resolveDone = resolve;
    });
    const t0 = preciseNow();
    let finishedAt = 0;
    // Our own pool, so that it is ended (and its errors handled) before the database is dropped.
    const pgPool = new pg.Pool({ connectionString, max: concurrency + 2 });
    pgPool.on('error', () => {});
    const runner = await run({
      pgPool,
      concurrency,
      noHandleSignals: true,
      pollInterval: 1000,
      logger,
      taskList: {
        noop: async () => {
          done++;
          if (done === jobs) {
            finishedAt = preciseNow();
            resolveDone();
          }
        },
      },
    });
    await allDone;
    await runner.stop();
    await pgPool.end();
    return jobs / ((finishedAt - t0) / 1000);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
