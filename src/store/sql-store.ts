// The Store over Kysely, one class for both dialects: each verb is one transaction built from
// the shared queries, with per-dialect SQL only where the dialects differ (claim, row locks).

import type { Kysely } from 'kysely';
import {
  AppError,
  type Job,
  type JobSpec,
  type LogCaps,
  type LogStream,
  type MatchRequest,
  NotFoundError,
  type Pilot,
  type PilotRegistration,
  type Summary,
  type WhyFacts,
} from '../core/index.ts';
import type { StoreAvailability } from './availability.ts';
import { releaseDeferredJobsIn } from './deferred-queries.ts';
import type { SoloFinish, SoloFinished, StoreDialect } from './dialect.ts';
import { type IdempotencyKey, type Once, once, pruneIdempotencyKeys } from './idempotency-queries.ts';
import { adjustJobIn, deleteJobIn, killJobIn, retryJobIn } from './job-commands.ts';
import { listJobRows, listPilotRows, summaryCounts } from './job-list-queries.ts';
import { findJob, findJobsByIds, insertJobs, jobAttempts, jobEvents } from './job-queries.ts';
import { expireLeasesIn, graceActiveLeasesIn } from './lease-queries.ts';
import { appendLogIn, findLogRow } from './log-queries.ts';
import { migrateStore, readMigrationStatus } from './migrate.ts';
import { findPilot, holdPilotRow, requireLivePilot, touchPilotRow, upsertPilot } from './pilot-queries.ts';
import { claimJobIn, touchAndClaimIn } from './reports/claim.ts';
import { deregisterPilotIn } from './reports/deregister.ts';
import { endingOf, finishAndClaimIn, finishJobIn } from './reports/finish.ts';
import { heartbeatSampled } from './reports/heartbeat.ts';
import { startJobIn } from './reports/start.ts';
import { claimedOf, toJob, toJobAttempt, toJobEvent, toPilot, toStoredLog } from './rows.ts';
import { jobSamples, SampleMemo } from './sample-queries.ts';
import type { Database } from './schema.ts';
import { type StoreSignals, signallingWrites } from './signals.ts';
import { SqlAuthStore } from './sql-auth-store.ts';
import { SqlRetentionStore } from './sql-retention-store.ts';
import { SqlRetryRuleStore } from './sql-retry-rule-store.ts';
import { SqlSiteStore } from './sql-site-store.ts';
import { SqlStatsStore } from './sql-stats-store.ts';
import { SqlWorkerStore } from './sql-worker-store.ts';
import { SqlWorkflowStore } from './sql-workflow-store.ts';
import type {
  ClaimedJob,
  Dialect,
  ExpiredLeases,
  FinishInput,
  HeartbeatInput,
  JobChanges,
  JobCommandReply,
  JobDetail,
  JobListQuery,
  JobPage,
  PilotFilter,
  PilotRegistrant,
  SignalKind,
  StartInput,
  Store,
  StoredLog,
  StoreSignalListener,
} from './store.ts';
import { guardStore } from './store-errors.ts';
import { probeStoreHealth, type StoreHealthProblem } from './store-health.ts';
import type { Transact, Tx } from './transaction.ts';
import { runWatchdogsIn } from './watchdog-queries.ts';
import { whyFactsIn } from './why-queries.ts';

export class SqlStore implements Store {
  readonly dialect: Dialect;
  readonly sites: SqlSiteStore;
  readonly auth: SqlAuthStore;
  readonly retention: SqlRetentionStore;
  readonly workflows: SqlWorkflowStore;
  readonly stats: SqlStatsStore;
  readonly availability: StoreAvailability;
  readonly workers: SqlWorkerStore;
  readonly retryRules: SqlRetryRuleStore;
  readonly #db: Kysely<Database>;
  /** Everything that differs between SQLite and PostgreSQL (dialect.ts). */
  readonly #dialect: StoreDialect;
  readonly #transact: Transact;
  readonly #quiet: Transact; // without the change signal (#quietWrite)
  readonly #signal: StoreSignals;
  readonly #samples = new SampleMemo();
  #closed = false;

  constructor(
    db: Kysely<Database>,
    dialect: StoreDialect,
    signal: StoreSignals,
    availability: StoreAvailability,
  ) {
    this.#db = db;
    this.#quiet = dialect.transact;
    dialect = signallingWrites(dialect, signal);
    this.#dialect = dialect;
    this.dialect = dialect.name;
    this.availability = availability;
    this.#transact = dialect.transact;
    this.#signal = signal;
    this.sites = new SqlSiteStore(db, dialect.transact);
    this.auth = new SqlAuthStore(db, dialect.transact);
    this.retention = new SqlRetentionStore(db, dialect, dialect.transact);
    this.workflows = new SqlWorkflowStore(db, dialect, dialect.transact, signal);
    this.stats = new SqlStatsStore(db, dialect);
    this.workers = new SqlWorkerStore(db, dialect.transact);
    this.retryRules = new SqlRetryRuleStore(db, dialect.transact);
  }

  /** One write transaction; a database outage surfaces as store_unavailable. */
  #write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return guardStore(() => this.#transact(fn));
  }

  /** #write without the change signal: a claim's touch or a heartbeat moves nothing readers wait on. */
  #quietWrite<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return guardStore(() => this.#quiet(fn));
  }

  /** A write that may free jobs: when `released`, claims are told inside it (other servers, at commit) and here after. */
  async #writeReleasing<T extends { released: boolean }>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const result = await this.#write(async (tx) => {
      const done = await fn(tx);
      if (done.released) await this.#signal.publishJobsAvailable(tx);
      return done;
    });
    if (result.released) this.#signal.emitJobsAvailable();
    return result;
  }

  /** Reads outside a transaction, with the same error mapping. */
  #read<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return guardStore(() => fn(this.#db));
  }

  migrate(): Promise<void> {
    return guardStore(() => migrateStore(this.#db, this.#dialect));
  }

  migrationStatus(): Promise<{ applied: string[]; pending: string[] }> {
    return this.#read((db) => readMigrationStatus(db, this.dialect));
  }

  checkHealth(): Promise<StoreHealthProblem[]> {
    return probeStoreHealth(this.#db, this.#dialect.databaseFile);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#signal.close();
    await this.#dialect.close();
    await this.#db.destroy();
  }

  async submitJobs(specs: JobSpec[], user: string, now: number): Promise<Job[]> {
    return (await this.#submit(specs, user, now)).value;
  }

  submitJobsOnce(specs: JobSpec[], user: string, now: number, key: IdempotencyKey): Promise<Once<Job[]>> {
    return this.#submit(specs, user, now, key);
  }

  async #submit(specs: JobSpec[], user: string, now: number, key?: IdempotencyKey): Promise<Once<Job[]>> {
    const create = async (tx: Tx) => {
      const inserted = await insertJobs(tx, specs, user, now);
      if (inserted.some((row) => row.state === 'defined')) await this.#signal.publishJobsAvailable(tx);
      return { value: inserted, ids: inserted.map((row) => row.id) };
    };
    const write = <R>(fn: (tx: Tx) => Promise<R>) => this.#write(fn);
    const { value: rows, replayed } = key
      ? await once(write, key, create, (tx, ids) => findJobsByIds(tx, ids))
      : { value: (await write(create)).value, replayed: false };
    if (!replayed && rows.some((row) => row.state === 'defined')) this.#signal.emitJobsAvailable();
    return { value: rows.map(toJob), replayed };
  }

  pruneIdempotencyKeys(now: number): Promise<number> {
    return this.#write((tx) => pruneIdempotencyKeys(tx, now));
  }

  async getJob(id: number): Promise<Job | undefined> {
    const row = await this.#read((db) => findJob(db, id));
    return row && toJob(row);
  }

  async getJobDetail(id: number): Promise<JobDetail | undefined> {
    const row = await this.#read((db) => findJob(db, id));
    if (!row) return undefined;
    const events = await this.#read((db) => jobEvents(db, id));
    const attempts = await this.#read((db) => jobAttempts(db, id));
    const samples = await this.#read((db) => jobSamples(db, id, row.attempt));
    return { job: toJob(row), events: events.map(toJobEvent), attempts: attempts.map(toJobAttempt), samples };
  }

  async listJobs(query: JobListQuery): Promise<JobPage> {
    const { rows, total, totalExact } = await this.#read((db) => listJobRows(db, this.#dialect, query));
    return { jobs: rows.map(toJob), total, totalExact };
  }

  jobWhyFacts(id: number, now: number): Promise<WhyFacts | undefined> {
    return this.#read((db) => whyFactsIn(db, id, now));
  }

  async killJob(id: number, actor: string, now: number): Promise<{ job: Job; immediate: boolean }> {
    const { row, immediate } = await this.#write((tx) => killJobIn(tx, this.#dialect, id, actor, now));
    return { job: toJob(row), immediate };
  }

  async retryJob(id: number, actor: string, now: number): Promise<Job> {
    const { row } = await this.#writeReleasing(async (tx) => ({
      row: await retryJobIn(tx, this.#dialect, id, actor, now),
      released: true,
    }));
    return toJob(row);
  }

  async adjustJob(id: number, changes: JobChanges, actor: string, now: number): Promise<Job> {
    const adjust = (tx: Tx) => adjustJobIn(tx, this.#dialect, id, changes, actor, now);
    const { row } = await this.#writeReleasing(adjust);
    return toJob(row);
  }

  deleteJob(id: number, _actor: string): Promise<void> {
    return this.#write((tx) => deleteJobIn(tx, this.#dialect, id));
  }

  summary(): Promise<Summary> {
    return this.#read((db) => this.#dialect.aggregateRead(db, summaryCounts));
  }

  async registerPilot(
    registration: PilotRegistration,
    now: number,
    registrant: PilotRegistrant | null = null,
  ): Promise<Pilot> {
    return toPilot(await this.#write((tx) => upsertPilot(tx, registration, now, registrant)));
  }

  async getPilot(idOrUuid: number | string): Promise<Pilot | undefined> {
    const row = await this.#read((db) => findPilot(db, idOrUuid));
    return row && toPilot(row);
  }

  async listPilots(
    filter: PilotFilter,
    limit: number,
    offset: number,
  ): Promise<{ pilots: Pilot[]; total: number }> {
    const { rows, total } = await this.#read((db) => listPilotRows(db, filter, limit, offset));
    return { pilots: rows.map(toPilot), total };
  }

  async touchPilot(uuid: string, now: number): Promise<Pilot> {
    const row = await this.#quietWrite(async (tx) =>
      touchPilotRow(tx, await requireLivePilot(tx, this.#dialect, uuid), now),
    );
    return toPilot(row);
  }

  async holdPilot(uuid: string, hold: string | null, now: number): Promise<Pilot> {
    const row = await this.#write(async (tx) =>
      holdPilotRow(tx, await requireLivePilot(tx, this.#dialect, uuid), hold, now),
    );
    return toPilot(row);
  }

  async claimJob(
    pilotUuid: string,
    match: MatchRequest,
    leaseMs: number,
    now: number,
  ): Promise<ClaimedJob | null> {
    const row = await this.#quietWrite((tx) => claimJobIn(tx, this.#dialect, pilotUuid, match, leaseMs, now));
    if (!row) return null;
    this.#signal.changed();
    return { job: toJob(row), leaseExpiresAt: row.lease_expires_at ?? now + leaseMs };
  }

  async touchAndClaimJob(
    pilotUuid: string,
    leaseMs: number,
    now: number,
  ): Promise<{ pilot: Pilot; claimed: ClaimedJob | null }> {
    // The grouped path where the dialect has one; the general transaction for the other cases.
    const quick = await guardStore(() => this.#dialect.touchAndClaim(pilotUuid, leaseMs, now));
    const touched =
      quick ?? (await this.#quietWrite((tx) => touchAndClaimIn(tx, this.#dialect, pilotUuid, leaseMs, now)));
    if (!quick && touched.row) this.#signal.changed();
    return claimedOf(touched, now + leaseMs);
  }

  startJob(input: StartInput): Promise<JobCommandReply> {
    return this.#write((tx) => startJobIn(tx, this.#dialect, input));
  }

  heartbeatJob(input: HeartbeatInput): Promise<JobCommandReply> {
    return heartbeatSampled(input, this.#dialect, this.#samples, (fn) => this.#quietWrite(fn));
  }

  async finishJob(input: FinishInput): Promise<Job> {
    const solo = await this.#soloFinish({ input, ending: endingOf(input) });
    if (solo) return toJob(solo.row);
    const { row } = await this.#writeReleasing((tx) => finishJobIn(tx, this.#dialect, input));
    return toJob(row);
  }

  async finishAndClaimJob(
    input: FinishInput,
    leaseMs: number,
  ): Promise<{ job: Job; next: { pilot: Pilot; claimed: ClaimedJob | null } }> {
    const solo = await this.#soloFinish({ input, ending: endingOf(input), claimMs: leaseMs });
    if (solo) {
      // A pilot of another site, job types or resources than the group's first claimant claims on its own.
      const next = solo.unserved
        ? await this.touchAndClaimJob(input.pilotUuid, leaseMs, input.now)
        : claimedOf({ pilot: solo.pilot, row: solo.next }, input.now + leaseMs);
      return { job: toJob(solo.row), next };
    }
    const { row, touched } = await this.#writeReleasing((tx) =>
      finishAndClaimIn(tx, this.#dialect, input, leaseMs),
    );
    return { job: toJob(row), next: claimedOf(touched, input.now + leaseMs) };
  }

  /**
   * A finish of a job outside any workflow, with no output left to store, grouped with the others
   * that arrive with it (the dialect's soloFinish); undefined when the general path must run. A
   * failure always takes the general path, where the retry rules apply (reports/end-attempt.ts).
   */
  #soloFinish(finish: SoloFinish): Promise<SoloFinished | undefined> {
    if (finish.input.logs?.chunks.length || finish.ending.transition === 'fail')
      return Promise.resolve(undefined);
    return guardStore(() => this.#dialect.soloFinish(finish));
  }

  async deregisterPilot(uuid: string, now: number): Promise<Pilot> {
    const { pilot } = await this.#writeReleasing((tx) => deregisterPilotIn(tx, this.#dialect, uuid, now));
    return toPilot(pilot);
  }

  async requestPilotStop(idOrUuid: number | string): Promise<Pilot> {
    const row = await this.#write(async (tx) => {
      const pilot = await findPilot(tx, idOrUuid);
      if (!pilot) throw new NotFoundError('pilot', idOrUuid);
      return tx
        .updateTable('pilots')
        .set({ stop_requested: 1 })
        .where('id', '=', pilot.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    });
    return toPilot(row);
  }

  appendLog(
    jobId: number,
    attempt: number,
    stream: LogStream,
    offset: number,
    data: Buffer,
    caps: LogCaps,
  ): Promise<void> {
    return this.#write((tx) =>
      appendLogIn(tx, this.#dialect, { jobId, attempt, stream }, offset, data, caps, Date.now()),
    );
  }

  async getLog(jobId: number, attempt: number, stream: LogStream): Promise<StoredLog | undefined> {
    const row = await this.#read((db) => findLogRow(db, jobId, attempt, stream));
    return row && toStoredLog(row);
  }

  async expireLeases(now: number, pilotSilentBefore: number): Promise<ExpiredLeases> {
    const expire = (tx: Tx) => expireLeasesIn(tx, this.#dialect, now, pilotSilentBefore);
    const { lostJobs, lostPilots } = await this.#writeReleasing(expire);
    return { lostJobs: lostJobs.map(toJob), lostPilots: lostPilots.map(toPilot) };
  }

  async releaseDeferredJobs(now: number): Promise<Job[]> {
    const done = await this.#writeReleasing((tx) => releaseDeferredJobsIn(tx, this.#dialect, now));
    return done.releasedJobs.map(toJob);
  }

  runWatchdogs(now: number, dispatchTimeoutMs: number | null) {
    return this.#writeReleasing((tx) => runWatchdogsIn(tx, this.#dialect, now, dispatchTimeoutMs));
  }

  graceActiveLeases(until: number, extendByMs = 0): Promise<number> {
    return this.#write((tx) => graceActiveLeasesIn(tx, this.#dialect, { until, extendByMs }));
  }

  onSignal(kind: SignalKind, listener: StoreSignalListener): () => void {
    if (this.#closed) throw new AppError('store_unavailable', 'the store is closed');
    return this.#signal.subscribe(kind, listener);
  }
}
