// Shared pieces of the store conformance suite: the context each behaviour file receives,
// job and pilot builders, a seeded random source, and a claim → start → finish driver.

import { randomUUID } from 'node:crypto';
import type { Job, JobOutcome, JobSpec, Pilot, PilotRegistration } from '../../src/core/index.ts';
import type { Dialect, Store } from '../../src/store/index.ts';

export { withoutRetryRules } from '../helpers/retry-rules.ts';

import { shippedRetryRules } from '../../src/store/migrations/0012-retry-rules.ts';
import { toRetryRule } from '../../src/store/retry-rule-queries.ts';
import type { RetryRuleRow } from '../../src/store/schema-retry-rules.ts';

/** A database under test, as the test file for one dialect provides it. */
export interface StoreTarget {
  readonly dialect: Dialect;
  /** Opens a migrated store on an empty database. */
  fresh(): Promise<Store>;
  /** Opens another store on the database of the last fresh() (a restart, or a second server). */
  reopen(): Promise<Store>;
  /** Runs one SQL statement on that database behind the store's back. */
  exec(statement: string): Promise<void>;
}

/** What each behaviour file gets: stores opened through it are closed after each test. */
export interface ConformanceContext {
  readonly dialect: Dialect;
  fresh(): Promise<Store>;
  reopen(): Promise<Store>;
  exec(statement: string): Promise<void>;
}

export const T0 = 1_700_000_000_000;
export const LEASE_MS = 30_000;
export const ANY = { site: null, jobTypes: [] } as const;

export function spec(overrides: Partial<JobSpec> = {}): JobSpec {
  return {
    name: 'job',
    jobtype: 'default',
    payload: '/bin/true',
    env: {},
    priority: 0,
    timelimit: 100,
    state: 'defined',
    site: null,
    ...overrides,
  };
}

export function registration(overrides: Partial<PilotRegistration> = {}): PilotRegistration {
  return {
    uuid: randomUUID(),
    host: 'node1',
    site: null,
    pid: 4242,
    batchId: null,
    jobTypes: [],
    version: '0.1.0',
    lifetime: 0,
    ...overrides,
  };
}

export function registerPilot(
  store: Store,
  overrides: Partial<PilotRegistration> = {},
  now = T0,
): Promise<Pilot> {
  return store.registerPilot(registration(overrides), now);
}

/** Submits one job and has a new pilot claim it; the job must be the only claimable one. */
export async function claimedJob(
  store: Store,
  options: { spec?: Partial<JobSpec>; pilot?: Partial<PilotRegistration>; now?: number } = {},
): Promise<{ job: Job; pilot: Pilot }> {
  const now = options.now ?? T0;
  const [submitted] = await store.submitJobs([spec(options.spec)], 'alice', now);
  const pilot = await registerPilot(store, options.pilot, now);
  const claim = await store.claimJob(
    pilot.uuid,
    { site: pilot.site, jobTypes: pilot.jobTypes },
    LEASE_MS,
    now,
  );
  if (!claim || claim.job.id !== submitted?.id) throw new Error('the submitted job was not the one claimed');
  return { job: claim.job, pilot };
}

/** A claimed job that the pilot started. */
export async function runningJob(store: Store, now = T0): Promise<{ job: Job; pilot: Pilot }> {
  const { job, pilot } = await claimedJob(store, { now });
  await store.startJob({
    jobId: job.id,
    pilotUuid: pilot.uuid,
    attempt: job.attempt,
    pid: 99,
    metrics: null,
    leaseMs: LEASE_MS,
    now,
  });
  return { job, pilot };
}

export function finish(
  store: Store,
  job: Job,
  pilot: Pilot,
  outcome: JobOutcome,
  now = T0 + 1000,
): Promise<Job> {
  return store.finishJob({
    jobId: job.id,
    pilotUuid: pilot.uuid,
    attempt: job.attempt,
    outcome,
    metrics: null,
    now,
  });
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so failures can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)] as T;
}

/** Puts the shipped retry rules back into an emptied table, with the ids a fresh migration gives them. */
export async function restoreShippedRetryRules(store: Store): Promise<Store> {
  for (const row of shippedRetryRules(T0)) {
    const rule = toRetryRule({ id: 0, ...row } as RetryRuleRow);
    await store.retryRules.addRetryRule(rule, rule.createdBy, T0);
  }
  return store;
}
