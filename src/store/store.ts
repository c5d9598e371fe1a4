// The Store: every read and write of p3s state, in domain verbs. It owns its
// connections and transactions; callers never see SQL, a client or a transaction.
// Every state change is a compare-and-set on the expected state and appends a job event.

import type {
  CappedLog,
  Job,
  JobAttempt,
  JobEvent,
  JobMetrics,
  JobOutcome,
  JobSample,
  JobSortKey,
  JobSpec,
  JobState,
  JobTimeField,
  LogCaps,
  LogStream,
  MatchRequest,
  Pilot,
  PilotRegistration,
  PilotState,
  Summary,
  WhyFacts,
} from '../core/index.ts';
import type { AuthStore } from './auth-store.ts';
import type { StoreAvailability } from './availability.ts';
import type { IdempotencyKey, Once } from './idempotency-queries.ts';
import type { RetentionStore } from './retention-store.ts';
import type { RetryRuleStore } from './retry-rule-store.ts';
import type { SiteStore } from './site-store.ts';
import type { StatsStore } from './stats-store.ts';
import type { StoreHealthProblem } from './store-health.ts';
import type { WorkerStore } from './worker-store.ts';
import type { WorkflowStore } from './workflow-store.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface JobFilter {
  ids?: number[];
  states?: JobState[];
  user?: string;
  jobtype?: string;
  /** Matches the requested site or the site the job ran at. */
  site?: string;
  /** Glob on the name: `*` any run of characters, `?` one character; case-insensitive. */
  namePattern?: string;
  workflowId?: number;
  pilotId?: number;
  /** Error name of the current attempt (`exit_code`, `lost`, …). */
  errorName?: string;
  /** Only jobs whose chosen time lies in [since, until). */
  window?: { field: JobTimeField; since?: number; until?: number };
}

export interface JobListQuery {
  filter: JobFilter;
  sort: JobSortKey;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
  /**
   * Count the matching jobs only up to this many: a big table's exact count costs a scan of every
   * match, the bounded one at most this many index entries (docs/performance.md, monitor pages).
   */
  countUpTo?: number;
}

/** A page of jobs; `total` is exact unless `totalExact` is false: then more than `total` match. */
export interface JobPage {
  jobs: Job[];
  total: number;
  totalExact: boolean;
}

export interface JobDetail {
  job: Job;
  events: JobEvent[];
  attempts: JobAttempt[];
  /** The current attempt's memory/CPU samples (job_samples), oldest first: the job page's plot. */
  samples: JobSample[];
}

/** A claimed job as handed to the pilot. */
export interface ClaimedJob {
  job: Job;
  leaseExpiresAt: number;
}

export interface HeartbeatInput {
  jobId: number;
  pilotUuid: string;
  attempt: number;
  metrics: JobMetrics | null;
  leaseMs: number;
  now: number;
}

export interface StartInput extends HeartbeatInput {
  pid: number | null;
  /** How long before `now` the payload started (the pilot reports a little after it starts). */
  startedMsAgo?: number;
}

/** What the pilot should do after a heartbeat or start. */
export interface JobCommandReply {
  command: 'kill' | null;
  leaseExpiresAt: number;
}

export interface FinishInput {
  jobId: number;
  pilotUuid: string;
  attempt: number;
  outcome: JobOutcome;
  metrics: JobMetrics | null;
  now: number;
  /** The last output sent with the report: appended in the same transaction while the attempt is active. */
  logs?: { chunks: { stream: LogStream; offset: number; data: Buffer }[]; caps: LogCaps };
  /**
   * The payload's start, when the pilot never reported it (the payload ended first): its pid and
   * how long before `now` it started. Recorded only for a job still `dispatched`.
   */
  started?: { pid: number; msAgo: number };
  /** How long the payload ran and how long before `now` it exited, as the pilot measured them. */
  ran?: { ms: number; endedMsAgo: number };
}

export interface JobChanges {
  priority?: number;
  timelimit?: number;
  /** Variables to set; a value of null removes the variable. */
  env?: Record<string, string | null>;
  state?: 'defined' | 'template';
}

export interface PilotFilter {
  states?: PilotState[];
  site?: string;
  host?: string;
}

export interface ExpiredLeases {
  /** Jobs whose lease ran out, now `failed` with error `lost`. */
  lostJobs: Job[];
  /** Pilots marked `lost` (their job's lease expired, or silent past the pilot timeout). */
  lostPilots: Pilot[];
}

export interface Watchdogged {
  /** Jobs dispatched longer than the dispatch timeout without a start, now `defined` again. */
  requeued: Job[];
  /** Jobs that waited `defined` past their site's queue limit, now `failed` with `queue_timeout`. */
  queueTimedOut: Job[];
}

export interface StoredLog extends CappedLog {
  jobId: number;
  attempt: number;
  stream: LogStream;
}

/**
 * What a store tells after commits: `jobs-available` when jobs may have become claimable
 * (submitted, released, retried); `changed` after any write (a job, log, pilot or workflow moved).
 */
export type SignalKind = 'jobs-available' | 'changed';
export type StoreSignalListener = () => void;

/** The token registering a pilot; recorded so only it may drive the pilot later. */
export interface PilotRegistrant {
  tokenId: number;
  name: string;
}

export interface Store {
  readonly dialect: Dialect;
  /** Tokens and the audit trail (access control). */
  readonly auth: AuthStore;
  /** Site records (`p3s site …`). */
  readonly sites: SiteStore;
  /** Purging old jobs, pilots and workflows (`p3s purge`, the retention loop). */
  readonly retention: RetentionStore;
  /** Datatypes, DAG templates, workflows and datasets (`p3s dag|workflow|datatype|dataset …`). */
  readonly workflows: WorkflowStore;
  /** Aggregates for the monitor: time series, failure groups, queue depth. */
  readonly stats: StatsStore;
  /** The database's availability as the store's own queries saw it: outages and their grace. */
  readonly availability: StoreAvailability;
  /** Batch workers the factory submitted, site drains (`p3s workers …`, `p3s site drain`). */
  readonly workers: WorkerStore;
  /** Automatic retry rules (`p3s retry-rule …`), applied when an attempt fails. */
  readonly retryRules: RetryRuleStore;

  /** Applies pending migrations under a lock; throws SchemaTooNewError when the database is ahead of the code. */
  migrate(): Promise<void>;
  /** Names of applied and known migrations (for `p3s doctor`/status). */
  migrationStatus(): Promise<{ applied: string[]; pending: string[] }>;
  /** What keeps the database from being used now (unreachable, disk full); empty when healthy. Never throws. */
  checkHealth(): Promise<StoreHealthProblem[]>;
  close(): Promise<void>;

  // Jobs: submission and management
  /** Stores all specs in one transaction (all or none), returning the jobs in input order. */
  submitJobs(specs: JobSpec[], user: string, now: number): Promise<Job[]>;
  /**
   * submitJobs once per idempotency key: a re-send of the same request answers with the jobs the
   * first created (`replayed`, as they are now; deleted ones left out) and creates nothing. Throws
   * IdempotencyKeyReusedError when the key was used for another request.
   */
  submitJobsOnce(specs: JobSpec[], user: string, now: number, key: IdempotencyKey): Promise<Once<Job[]>>;
  /** Deletes idempotency keys that expired by `now`; returns how many. */
  pruneIdempotencyKeys(now: number): Promise<number>;
  getJob(id: number): Promise<Job | undefined>;
  getJobDetail(id: number): Promise<JobDetail | undefined>;
  listJobs(query: JobListQuery): Promise<JobPage>;
  /**
   * What the job waits on (or how it ended), read in one read-only transaction: the pilots that
   * would serve it, the queue ahead, its workflow parents, its holder, its latest events. Undefined
   * when there is no such job. core/why.ts's explainJob turns the facts into reasons.
   */
  jobWhyFacts(id: number, now: number): Promise<WhyFacts | undefined>;
  /**
   * Kills a job: template/defined → cancelled at once; dispatched/running → kill requested
   * (the pilot is told at its next heartbeat). Throws NotFoundError / InvalidTransitionError.
   */
  killJob(id: number, actor: string, now: number): Promise<{ job: Job; immediate: boolean }>;
  /** failed/cancelled → defined with attempt + 1; the ended attempt stays in job_attempts. */
  retryJob(id: number, actor: string, now: number): Promise<Job>;
  /** Changes priority/timelimit/env/state of a template or defined job. */
  adjustJob(id: number, changes: JobChanges, actor: string, now: number): Promise<Job>;
  /** Deletes a job with its events, attempts and logs; refused while dispatched/running. */
  deleteJob(id: number, actor: string): Promise<void>;
  summary(): Promise<Summary>;

  // Pilot protocol
  /** Registers (or re-registers) a pilot; a new pilot records its registrant's token. */
  registerPilot(
    registration: PilotRegistration,
    now: number,
    registrant?: PilotRegistrant | null,
  ): Promise<Pilot>;
  getPilot(idOrUuid: number | string): Promise<Pilot | undefined>;
  listPilots(filter: PilotFilter, limit: number, offset: number): Promise<{ pilots: Pilot[]; total: number }>;
  /** Records that an idle pilot is alive (each claim poll); a lost pilot comes back as idle. */
  touchPilot(uuid: string, now: number): Promise<Pilot>;
  /** Records why the pilot takes no jobs (its disk is full), or with null that it takes them again; a touch too. */
  holdPilot(uuid: string, hold: string | null, now: number): Promise<Pilot>;
  /**
   * Atomically takes the best eligible defined job for the pilot (see core/matching.ts):
   * defined → dispatched, attempt unchanged, lease set, pilot → running. Null when none.
   * Under any number of concurrent callers a job is handed out at most once per attempt.
   */
  claimJob(pilotUuid: string, match: MatchRequest, leaseMs: number, now: number): Promise<ClaimedJob | null>;
  /**
   * The first poll of a claim in one transaction: touchPilot, then (unless a stop was requested)
   * claimJob for the pilot's own site and job types.
   */
  touchAndClaimJob(
    pilotUuid: string,
    leaseMs: number,
    now: number,
  ): Promise<{ pilot: Pilot; claimed: ClaimedJob | null }>;
  /**
   * dispatched → running, records the payload pid and when it started (`startedMsAgo` before
   * `now`). Throws LeaseLostError when the pilot no longer holds it.
   */
  startJob(input: StartInput): Promise<JobCommandReply>;
  /** Extends the lease, stores metrics; the reply carries `kill` when a kill was requested. */
  heartbeatJob(input: HeartbeatInput): Promise<JobCommandReply>;
  /**
   * Ends the attempt as the outcome says (core/outcome.ts), writes job_attempts, frees the pilot.
   * Throws NotFoundError for a job that does not exist, LeaseLostError when the pilot does not hold it.
   */
  finishJob(input: FinishInput): Promise<Job>;
  /**
   * finishJob, then touchAndClaimJob for the same pilot, in one transaction (fetch-next): a pilot's
   * report on one job and its claim of the next. A failed finish claims nothing.
   */
  finishAndClaimJob(
    input: FinishInput,
    leaseMs: number,
  ): Promise<{ job: Job; next: { pilot: Pilot; claimed: ClaimedJob | null } }>;
  /** Marks the pilot stopped; a job it still held fails with `pilot_shutdown`. */
  deregisterPilot(uuid: string, now: number): Promise<Pilot>;
  /** Asks a pilot to stop at its next claim or heartbeat. */
  requestPilotStop(idOrUuid: number | string): Promise<Pilot>;

  // Logs
  appendLog(
    jobId: number,
    attempt: number,
    stream: LogStream,
    offset: number,
    data: Buffer,
    caps: LogCaps,
  ): Promise<void>;
  getLog(jobId: number, attempt: number, stream: LogStream): Promise<StoredLog | undefined>;

  // Background work
  /**
   * Fails dispatched/running jobs whose lease expired before `now` (error `lost`; the retry rules
   * apply) and marks their pilots lost; also marks idle pilots silent since `pilotSilentBefore` as lost.
   */
  expireLeases(now: number, pilotSilentBefore: number): Promise<ExpiredLeases>;
  /** Queues the retries a rule deferred whose delay has passed by `now`; returns them. */
  releaseDeferredJobs(now: number): Promise<Job[]>;
  /**
   * The reaper's watchdogs at `now`: jobs dispatched more than `dispatchTimeoutMs` ago (null: never)
   * without a start go back to `defined` and their pilots let go of them; then jobs waiting
   * `defined` for a site longer than the site's queue limit fail (error `queue_timeout`; no retry
   * rules), advancing their workflows.
   */
  runWatchdogs(now: number, dispatchTimeoutMs: number | null): Promise<Watchdogged>;
  /**
   * After the server or its database was unavailable: extends every active lease by `extendByMs`
   * (the outage's length) and to at least `until` (core/leases.ts `gracedLease`), so pilots that
   * could not report get time to check back in. Returns how many jobs are active.
   */
  graceActiveLeases(until: number, extendByMs?: number): Promise<number>;

  /** Subscribes to one kind of signal, this server's writes and (on PostgreSQL) other servers' too. */
  onSignal(kind: SignalKind, listener: StoreSignalListener): () => void;
}
