// The dialect seam: everything that differs between SQLite and PostgreSQL sits behind one
// StoreDialect object per database (sqlite/dialect.ts, postgres/dialect.ts), made by openStore.
// Code outside those two folders never asks which database it is on; it calls these methods.

import type { CompiledQuery, Kysely } from 'kysely';
import type { JobState, JobTransition, MatchRequest } from '../core/index.ts';
import type { Database, JobRow, JobUpdate, PilotRow } from './schema.ts';
import type { Dialect, FinishInput, HeartbeatInput, JobCommandReply } from './store.ts';
import type { Transact, Tx } from './transaction.ts';

/** A heartbeat for a fast path, with whether it stores a sample (only ever with metrics). */
export type SampledBeat = HeartbeatInput & { sample?: boolean };

/** A select that can take a row lock (Kysely's SelectQueryBuilder). */
export interface Lockable<QB> {
  forUpdate(): QB;
  skipLocked(): QB;
}

/** The job_events row written with a job's change (transitionJob). */
export interface ChangeEvent {
  at: number;
  from_state: JobState;
  to_state: JobState;
  transition: JobTransition;
  actor: string;
  detail: string | null;
}

/** The SQL forms that differ by database; stateless, so queries take them as an argument. */
export interface DialectSql {
  /** Which database, for reports (health, the monitor) and for choosing the shipped migrations. */
  readonly name: Dialect;

  /** Whether writers lock rows (PostgreSQL) and so must take them in one order; SQLite has one writer at a time. */
  readonly locksRows: boolean;
  /** The lock a read takes on rows it is about to change: FOR UPDATE on PostgreSQL; SQLite's write lock covers them. */
  lockRows<QB extends Lockable<QB>>(qb: QB, options?: { skipLocked?: boolean }): QB;
  /** Of a precompiled read and its FOR UPDATE twin, the one to run before a change (see lockRows). */
  locked<T>(plain: T, forUpdate: T): T;
  /** Runs a whole-table read-only aggregate (the monitor's counts). */
  aggregateRead<T>(db: Kysely<Database>, fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  /** Runs a job's compiled UPDATE … RETURNING * and writes its event, and its attempt row when `ends`. */
  changeWithRecords(
    tx: Tx,
    change: CompiledQuery<JobRow>,
    event: ChangeEvent,
    ends: boolean,
  ): Promise<JobRow | undefined>;
  /** Claims the best job for the pilot and writes the claim: the job, its event, the pilot's and the workflow's running marks. */
  claimForPilot(
    tx: Tx,
    pilot: PilotRow,
    match: MatchRequest,
    leaseMs: number,
    now: number,
  ): Promise<JobRow | undefined>;
  /** A page sorted NULLs last on a nullable column: one ORDER BY where the dialect walks the index both ways, else split in two. */
  nullsLastPage<A, B>(oneOrder: () => A, split: () => B): A | B;
}

/** A store's dialect: its SQL forms, its transactions, and the grouped paths of the pilot protocol. */
export interface StoreDialect extends DialectSql {
  /** Runs one write transaction. */
  readonly transact: Transact;
  /** Runs the migrator atomically and exclusively. */
  migrate(db: Kysely<Database>, run: (db: Kysely<Database>) => Promise<void>): Promise<void>;

  /** The pilot protocol's grouped paths; undefined: the report needs the general transaction (it says why). */
  touchAndClaim(
    pilotUuid: string,
    leaseMs: number,
    now: number,
  ): Promise<{ pilot: PilotRow; row: JobRow | undefined } | undefined>;
  /** `sample`: also store the heartbeat's metrics as a job_samples row (SqlStore decides, core/job-samples.ts). */
  heartbeat(input: SampledBeat): Promise<JobCommandReply | undefined>;
  soloFinish(finish: SoloFinish): Promise<SoloFinished | undefined>;

  /** The database file whose disk the health check watches (SQLite); undefined on PostgreSQL. */
  readonly databaseFile: string | undefined;
  /** Closes what the dialect opened besides the main Kysely (checkpointer, pipelined connection). */
  close(): Promise<void>;
}

/** How the attempt ends, as finishJobIn resolved it from the pilot's report. */
export interface Ending {
  state: JobState;
  transition: Extract<JobTransition, 'finish' | 'fail' | 'cancel'>;
  actor: string;
  /** When the payload exited, and when it started as the pilot measured it (null: not measured). */
  endedAt: number;
  startedAt: number | null;
  /** An older pilot's start it never reported, dated from `started`: for a job still dispatched. */
  unreportedStartAt: number | null;
  /** The end columns (exit code, signal, error): the same for every holder of the job. */
  set: Required<Pick<JobUpdate, 'exit_code' | 'signal' | 'error_name' | 'error_code' | 'error_diag'>>;
}

/** One report: the finish, and with `claimMs` (fetch-next) the claim of the pilot's next job with that lease. */
export interface SoloFinish {
  input: FinishInput;
  ending: Ending;
  claimMs?: number;
}

/** What the statement did for one report; undefined when it matched nothing (and changed nothing for it). */
export interface SoloFinished {
  /** The ended job. */
  row: JobRow;
  /** The pilot after it: idle or running its next job (or unchanged when stopped). */
  pilot: PilotRow;
  /** The job claimed for it, if any. */
  next: JobRow | undefined;
  /**
   * A claim was due but not tried: the statement claims for the pilots with the site and job
   * types of its first claimant only (one pick), so the caller claims for this one on its own.
   */
  unserved: boolean;
}
