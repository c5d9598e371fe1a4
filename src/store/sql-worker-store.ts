// WorkerStore over Kysely, one query set for both dialects: single-table writes as compare-and-sets
// on the worker's state, reads joined with the pilot each worker became.

import { type Kysely, sql } from 'kysely';
import {
  ACTIVE_WORKER_STATES,
  canWorkerMove,
  type EndedWorker,
  InvalidTransitionError,
  isActiveWorkerState,
  LIVE_PILOT_STATES,
  type NewWorker,
  NotFoundError,
  QUEUED_WORKER_STATES,
  type Site,
  type Worker,
  type WorkerChange,
  type WorkerCounts,
  type WorkerEndings,
} from '../core/index.ts';
import type { Database } from './schema.ts';
import { toSite } from './sql-site-store.ts';
import { guardStore } from './store-errors.ts';
import type { Transact, Tx } from './transaction.ts';
import type { WorkerFilter, WorkerStore } from './worker-store.ts';

export class SqlWorkerStore implements WorkerStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly transact: Transact,
  ) {}

  submitWorkers(workers: NewWorker[], now: number): Promise<Worker[]> {
    return guardStore(() =>
      this.transact(async (tx) => {
        const ids: number[] = [];
        // One row at a time: RETURNING order of a multi-row insert is not guaranteed on SQLite.
        for (const w of workers) {
          const row = await tx
            .insertInto('workers')
            .values({
              site: w.site,
              batch_system: w.batchSystem,
              batch_id: w.batchId,
              state: w.state,
              submitted_at: now,
              ended_at: w.state === 'submitted' ? null : now,
              updated_at: now,
              reason: w.reason,
              failure: w.failure,
              log_path: w.logPath,
              factory: w.factory,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          ids.push(row.id);
        }
        return readWorkers(tx, ids);
      }),
    );
  }

  async recordWorkerChanges(
    changes: WorkerChange[],
    now: number,
  ): Promise<{ applied: Worker[]; skipped: number[] }> {
    for (const c of changes)
      if (!canWorkerMove(c.from, c.to))
        throw new InvalidTransitionError('worker', c.id, c.from, `move to ${c.to}`);
    return guardStore(() =>
      this.transact(async (tx) => {
        const applied: number[] = [];
        const skipped: number[] = [];
        for (const c of changes) {
          const ended = !isActiveWorkerState(c.to);
          const row = await tx
            .updateTable('workers')
            .set({
              state: c.to,
              updated_at: now,
              ...(c.to === 'running' ? { started_at: sql<number>`coalesce(started_at, ${c.at})` } : {}),
              ...(ended ? { ended_at: c.at } : {}),
              ...(c.exitCode !== undefined ? { exit_code: c.exitCode } : {}),
              ...(c.reason !== undefined ? { reason: c.reason } : {}),
              ...(c.failure !== undefined ? { failure: c.failure } : {}),
              ...(c.cancelledBy !== undefined ? { cancelled_by: c.cancelledBy } : {}),
            })
            .where('id', '=', c.id)
            .where('state', '=', c.from)
            .returning('id')
            .executeTakeFirst();
          (row ? applied : skipped).push(c.id);
        }
        return { applied: await readWorkers(tx, applied), skipped };
      }),
    );
  }

  async linkPilot(batchId: string, site: string | null, pilotId: number, now: number): Promise<void> {
    if (site === null) return;
    await guardStore(() =>
      this.transact((tx) =>
        tx
          .updateTable('workers')
          .set({ pilot_id: pilotId, updated_at: now })
          .where('id', '=', (eb) =>
            eb
              .selectFrom('workers')
              .select('id')
              .where('batch_id', '=', batchId)
              .where('site', '=', site)
              .where('pilot_id', 'is', null)
              .orderBy('id', 'desc')
              .limit(1),
          )
          .execute(),
      ),
    );
  }

  requestWorkerKill(id: number, by: string, now: number): Promise<Worker> {
    return guardStore(() =>
      this.transact(async (tx) => {
        const row = await tx.selectFrom('workers').select('state').where('id', '=', id).executeTakeFirst();
        if (!row) throw new NotFoundError('worker', id);
        if (!isActiveWorkerState(row.state))
          throw new InvalidTransitionError('worker', id, row.state, 'kill');
        await tx
          .updateTable('workers')
          .set({
            kill_requested_at: sql<number>`coalesce(kill_requested_at, ${now})`,
            kill_requested_by: sql<string>`coalesce(kill_requested_by, ${by})`,
            updated_at: now,
          })
          .where('id', '=', id)
          .execute();
        return (await readWorkers(tx, [id]))[0] as Worker;
      }),
    );
  }

  async getWorker(id: number): Promise<Worker | undefined> {
    return (await guardStore(() => readWorkers(this.db, [id])))[0];
  }

  listWorkers(
    filter: WorkerFilter,
    page: { limit: number; offset: number; order?: 'newest' | 'ended' },
  ): Promise<{ workers: Worker[]; total: number }> {
    return guardStore(async () => {
      let rows = workerQuery(this.db);
      let count = this.db.selectFrom('workers').select((eb) => eb.fn.countAll<number>().as('n'));
      if (filter.site !== undefined) {
        rows = rows.where('workers.site', '=', filter.site);
        count = count.where('workers.site', '=', filter.site);
      }
      if (filter.states && filter.states.length > 0) {
        rows = rows.where('workers.state', 'in', filter.states);
        count = count.where('workers.state', 'in', filter.states);
      }
      if (page.order === 'ended') {
        rows = rows.where('workers.ended_at', 'is not', null).orderBy('workers.ended_at', 'desc');
        count = count.where('workers.ended_at', 'is not', null);
      }
      const found = await rows.orderBy('workers.id', 'desc').limit(page.limit).offset(page.offset).execute();
      const total = await count.executeTakeFirstOrThrow();
      return { workers: found.map(toWorker), total: Number(total.n) };
    });
  }

  countWorkers(site: string): Promise<WorkerCounts> {
    return guardStore(async () => {
      const rows = await this.db
        .selectFrom('workers')
        .leftJoin('pilots', 'pilots.id', 'workers.pilot_id')
        .select((eb) => [
          'workers.state',
          eb.fn.countAll<number>().as('n'),
          // A running worker whose pilot has not registered, or is idle, will take a waiting job.
          eb.fn
            .sum<number>(
              eb
                .case()
                .when(eb.or([eb('workers.pilot_id', 'is', null), eb('pilots.state', '=', 'idle')]))
                .then(1)
                .else(0)
                .end(),
            )
            .as('unclaimed'),
        ])
        .where('workers.site', '=', site)
        .where('workers.state', 'in', ACTIVE_WORKER_STATES)
        .groupBy('workers.state')
        .execute();
      const counts: WorkerCounts = { submitted: 0, held: 0, running: 0, unclaimed: 0 };
      for (const row of rows) {
        if (row.state === 'submitted' || row.state === 'held' || row.state === 'running')
          counts[row.state] = Number(row.n);
        if (row.state === 'running') counts.unclaimed = Number(row.unclaimed ?? 0);
      }
      return counts;
    });
  }

  countEndings(site: string, since: number): Promise<WorkerEndings> {
    return guardStore(async () => {
      const rows = await this.db
        .selectFrom('workers')
        .select((eb) => ['state', 'failure', eb.fn.countAll<number>().as('n')])
        .where('site', '=', site)
        .where('ended_at', '>=', since)
        .groupBy(['state', 'failure'])
        .execute();
      const endings: WorkerEndings = {
        finished: 0,
        failed: 0,
        cancelled: 0,
        lost: 0,
        neverRegistered: 0,
        submitRefused: 0,
      };
      for (const row of rows) {
        const n = Number(row.n);
        if (
          row.state === 'finished' ||
          row.state === 'failed' ||
          row.state === 'cancelled' ||
          row.state === 'lost'
        )
          endings[row.state] += n;
        if (row.failure === 'never_registered') endings.neverRegistered += n;
        if (row.failure === 'submit_refused') endings.submitRefused += n;
      }
      return endings;
    });
  }

  recentEndings(site: string, limit: number): Promise<EndedWorker[]> {
    return guardStore(async () => {
      const rows = await this.db
        .selectFrom('workers')
        .select(['state', 'ended_at', 'pilot_id', 'failure', 'exit_code', 'reason'])
        .where('site', '=', site)
        .where('ended_at', 'is not', null)
        .orderBy('ended_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        state: r.state,
        endedAt: r.ended_at as number,
        registered: r.pilot_id !== null,
        failure: r.failure,
        exitCode: r.exit_code,
        reason: r.reason,
      }));
    });
  }

  drainSite(name: string, by: string, now: number): Promise<{ site: Site; pilots: number; workers: number }> {
    return guardStore(() =>
      this.transact(async (tx) => {
        const row = await tx
          .updateTable('sites')
          .set({
            drained_at: sql<number>`coalesce(drained_at, ${now})`,
            drained_by: sql<string>`coalesce(drained_by, ${by})`,
          })
          .where('name', '=', name)
          .returningAll()
          .executeTakeFirst();
        if (!row) throw new NotFoundError('site', name);
        const pilots = await tx
          .updateTable('pilots')
          .set({ stop_requested: 1 })
          .where('site', '=', name)
          .where('state', 'in', LIVE_PILOT_STATES)
          .where('stop_requested', '=', 0)
          .executeTakeFirst();
        const workers = await tx
          .updateTable('workers')
          .set({ kill_requested_at: now, kill_requested_by: `${by} (drain)`, updated_at: now })
          .where('site', '=', name)
          .where('state', 'in', QUEUED_WORKER_STATES)
          // The table may lag the batch system: a worker whose pilot registered already runs.
          .where('pilot_id', 'is', null)
          .where('kill_requested_at', 'is', null)
          .executeTakeFirst();
        return {
          site: toSite(row),
          pilots: Number(pilots.numUpdatedRows),
          workers: Number(workers.numUpdatedRows),
        };
      }),
    );
  }

  resumeSite(name: string, now: number): Promise<Site> {
    return guardStore(() =>
      this.transact(async (tx) => {
        const row = await tx
          .updateTable('sites')
          .set({ drained_at: null, drained_by: null, feed_reset_at: now })
          .where('name', '=', name)
          .returningAll()
          .executeTakeFirst();
        if (!row) throw new NotFoundError('site', name);
        return toSite(row);
      }),
    );
  }
}

/** Workers joined with the pilot each became. */
function workerQuery(db: Kysely<Database> | Tx) {
  return db
    .selectFrom('workers')
    .leftJoin('pilots', 'pilots.id', 'workers.pilot_id')
    .selectAll('workers')
    .select([
      'pilots.uuid as pilot_uuid',
      'pilots.state as pilot_state',
      'pilots.current_job_id as pilot_current_job_id',
      'pilots.jobs_run as pilot_jobs_run',
      'pilots.registered_at as pilot_registered_at',
    ]);
}

type JoinedRow = Awaited<ReturnType<ReturnType<typeof workerQuery>['executeTakeFirstOrThrow']>>;

async function readWorkers(db: Kysely<Database> | Tx, ids: number[]): Promise<Worker[]> {
  if (ids.length === 0) return [];
  const rows = await workerQuery(db).where('workers.id', 'in', ids).execute();
  const byId = new Map(rows.map((r) => [r.id, toWorker(r)]));
  return ids.map((id) => byId.get(id)).filter((w): w is Worker => w !== undefined);
}

function toWorker(row: JoinedRow): Worker {
  return {
    id: row.id,
    site: row.site,
    batchSystem: row.batch_system,
    batchId: row.batch_id,
    state: row.state,
    pilot:
      row.pilot_id === null || row.pilot_uuid === null
        ? null
        : {
            id: row.pilot_id,
            uuid: row.pilot_uuid,
            state: row.pilot_state ?? 'lost',
            currentJobId: row.pilot_current_job_id,
            jobsRun: row.pilot_jobs_run ?? 0,
            registeredAt: row.pilot_registered_at ?? 0,
          },
    submittedAt: row.submitted_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    updatedAt: row.updated_at,
    exitCode: row.exit_code,
    reason: row.reason,
    failure: row.failure,
    killRequested:
      row.kill_requested_at === null
        ? null
        : { at: row.kill_requested_at, by: row.kill_requested_by ?? 'unknown' },
    cancelledBy: row.cancelled_by,
    logPath: row.log_path,
    factory: row.factory,
  };
}
