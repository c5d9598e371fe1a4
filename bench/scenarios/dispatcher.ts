// Scenario 3: dispatcher throughput without subprocesses — simulated pilots claim and finish
// at once, over HTTP or in-process. Peer in the same run on the same PostgreSQL: graphile-worker
// 0.17 with a no-op task and the same concurrency.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Store } from '../../src/store/store.ts';
import { TEST_POSTGRES_URL } from '../../test/helpers/postgres.ts';
import { InProcessPilots } from '../lib/in-process-pilots.ts';
import { makeInstallation, type StoreKind } from '../lib/installation.ts';
import { drainJobs, registerSimulatedPilots, submitTrivialJobs } from '../lib/simulated-pilots.ts';
import { percentile, preciseNow } from '../lib/stats.ts';

/**
 * How the simulated pilots reach the dispatcher: over HTTP through the server (the light client,
 * the whole path a real pilot takes), or in-process through the store calls the server's routes
 * make (as graphile-worker's workers call its functions).
 */
export const PILOT_PATHS = ['http', 'in-process'] as const;
export type PilotPath = (typeof PILOT_PATHS)[number];

export async function dispatcherThroughput(kind: StoreKind, jobs: number, pilots: number, via: PilotPath) {
  const inst = await makeInstallation(kind);
  let store: Store | undefined;
  try {
    await inst.start();
    // Opened once the server has migrated the database.
    if (via === 'in-process') store = await inst.openStore();
    const uuids = await registerSimulatedPilots(inst.client, pilots);
    await submitTrivialJobs(inst.client, jobs);
    const result = await drainJobs(store ? new InProcessPilots(store) : inst.pilotCalls, uuids, jobs);
    // A path that answered without finishing its jobs must not report a throughput.
    const finished = (await inst.client.summary()).jobs.finished ?? 0;
    if (finished !== jobs) throw new Error(`dispatcher (${via}): ${finished} of ${jobs} jobs finished`);
    return {
      store: kind,
      via,
      jobs,
      pilots,
      jobsPerSecond: result.jobsPerSecond,
      claimP99Ms: percentile(result.claimLatenciesMs, 99),
    };
  } finally {
    await store?.close();
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
