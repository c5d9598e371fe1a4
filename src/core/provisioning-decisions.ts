// The factory's decision for one site and one cycle: how many pilots to submit. Harvester's rule —
// never more than the jobs waiting for the site minus the pilots that will take them anyway,
// never over the site's limits — plus backoff after refused submissions and a stop (with one
// probe after a cool-down) when pilots keep failing at start. Pure: the server computes it from
// the database for the factory, the CLI and the monitor alike.

import type { Provisioning } from './provisioning.ts';
import type { QueueDepthRow } from './stats.ts';
import type { WorkerFailure, WorkerState } from './worker-state.ts';
import type { WorkerCounts } from './worker-types.ts';

/** First wait after a refused submission; it doubles with each refusal in a row. */
export const REFUSAL_BACKOFF_BASE_MS = 15_000;
export const REFUSAL_BACKOFF_MAX_MS = 15 * 60_000;

/** An ended worker as the decision sees it. */
export interface EndedWorker {
  state: WorkerState;
  endedAt: number;
  /** Its pilot registered (the worker started a pilot). */
  registered: boolean;
  failure: WorkerFailure | null;
  exitCode: number | null;
  reason: string | null;
}

export interface FeedInput {
  now: number;
  /** `p3s site drain`: nothing is submitted. */
  drained: boolean;
  limits: Pick<Provisioning, 'maxWorkers' | 'maxQueued' | 'submitBatch' | 'failureLimit' | 'failureCooldown'>;
  /** Defined jobs this site's pilots would take (its site, its job types). */
  waitingJobs: number;
  workers: WorkerCounts;
  /** The site's ended workers, newest end first; `failureLimit` + a few is enough. */
  recent: EndedWorker[];
  /** Endings before this time are forgiven (`p3s site resume`). */
  resetAt: number | null;
}

export const FEED_LIMITS = [
  'drained',
  'backoff',
  'start_failures',
  'probe',
  'no_demand',
  'max_workers',
  'max_queued',
  'submit_batch',
  'demand',
] as const;
/** What bounded the decision. */
export type FeedLimit = (typeof FEED_LIMITS)[number];

export interface FeedDecision {
  submit: number;
  limit: FeedLimit;
  /** The reason in words, for the factory's log, `p3s workers list` and the monitor. */
  detail: string;
  /** When a backoff or cool-down ends; null when the next cycle decides afresh. */
  until: number | null;
  /** Waiting jobs no queued or idle pilot will take. */
  demand: number;
}

/**
 * The defined jobs a site's pilots would take: those asking for the site (and those asking for no
 * site, when the site says `siteless`), of the pilots' job types (any when none are set).
 */
export function waitingJobsFor(
  queue: readonly QueueDepthRow[],
  site: string,
  p: Pick<Provisioning, 'jobTypes' | 'siteless'>,
): number {
  let waiting = 0;
  for (const row of queue) {
    const forSite = row.site === site || (p.siteless && row.site === null);
    if (forSite && (p.jobTypes.length === 0 || p.jobTypes.includes(row.jobtype))) waiting += row.defined;
  }
  return waiting;
}

export function decideFeed(input: FeedInput): FeedDecision {
  const { limits, workers, now } = input;
  const queued = workers.submitted + workers.held;
  const alive = queued + workers.running;
  const demand = Math.max(0, input.waitingJobs - queued - workers.unclaimed);
  const stop = (limit: FeedLimit, detail: string, until: number | null = null): FeedDecision => ({
    submit: 0,
    limit,
    detail,
    until,
    demand,
  });
  if (input.drained)
    return stop('drained', 'site drained: no new pilots (p3s site resume NAME to feed it again)');
  const recent = input.recent.filter((w) => input.resetAt === null || w.endedAt >= input.resetAt);

  const refusals = leading(recent, (w) => w.failure === 'submit_refused');
  if (refusals.length > 0) {
    const wait = Math.min(REFUSAL_BACKOFF_MAX_MS, REFUSAL_BACKOFF_BASE_MS * 2 ** (refusals.length - 1));
    const until = (refusals[0] as EndedWorker).endedAt + wait;
    if (now < until)
      return stop(
        'backoff',
        `the batch system refused the last ${plural(refusals.length, 'submission')} (${describeEnd(refusals[0] as EndedWorker)}); next try in ${inWords(until - now)}`,
        until,
      );
  }

  const failures = startFailures(recent);
  let cap = Number.POSITIVE_INFINITY;
  if (failures.length >= limits.failureLimit) {
    const last = failures[0] as EndedWorker;
    const what = `${plural(failures.length, 'pilot')} in a row never registered (last: ${describeEnd(last)})`;
    if (limits.failureCooldown === 0)
      return stop('start_failures', `not fed: ${what}; p3s site resume NAME after fixing it`);
    const probeAt = last.endedAt + limits.failureCooldown * 1000;
    if (now < probeAt)
      return stop(
        'start_failures',
        `not fed: ${what}; one probe pilot in ${inWords(probeAt - now)}, or p3s site resume NAME`,
        probeAt,
      );
    if (alive > 0) return stop('probe', `not fed: ${what}; waiting for the probe pilot`);
    cap = 1;
  }

  const bounds: [FeedLimit, number][] = [
    ['no_demand', demand],
    ['max_workers', limits.maxWorkers - alive],
    ['max_queued', limits.maxQueued - queued],
    ['submit_batch', limits.submitBatch],
    ['probe', cap],
  ];
  let [limit, submit] = bounds[0] as [FeedLimit, number];
  for (const [name, value] of bounds) if (value < submit) [limit, submit] = [name, value];
  submit = Math.max(0, submit);
  if (limit === 'no_demand' && submit > 0) limit = 'demand';
  const detail = `${plural(input.waitingJobs, 'job')} waiting, ${queued} queued and ${workers.unclaimed} idle ${workers.unclaimed === 1 ? 'pilot' : 'pilots'}, ${alive} of ${limits.maxWorkers} workers alive: ${submit === 0 ? 'nothing to submit' : `submit ${submit}`}${LIMIT_WORDS[limit]}`;
  return { submit, limit, detail, until: null, demand };
}

const LIMIT_WORDS: Record<FeedLimit, string> = {
  drained: '',
  backoff: '',
  start_failures: '',
  probe: ' (one probe pilot after start failures)',
  no_demand: '',
  max_workers: ' (maxWorkers reached)',
  max_queued: ' (maxQueued reached)',
  submit_batch: ' (submitBatch per cycle)',
  demand: '',
};

/**
 * The start failures in a row, newest first: workers that ended without their pilot registering.
 * Refusals and cancellations say nothing about the pilot script and are skipped; a worker whose
 * pilot registered ends the streak.
 */
export function startFailures(recent: EndedWorker[]): EndedWorker[] {
  const streak: EndedWorker[] = [];
  for (const w of recent) {
    if (w.failure === 'submit_refused' || (w.state === 'cancelled' && !w.registered)) continue;
    if (w.registered || w.failure !== 'never_registered') break;
    streak.push(w);
  }
  return streak;
}

function leading<T>(list: T[], test: (item: T) => boolean): T[] {
  const out: T[] = [];
  for (const item of list) {
    if (!test(item)) break;
    out.push(item);
  }
  return out;
}

function describeEnd(w: EndedWorker): string {
  const parts = [w.exitCode === null ? null : `exit ${w.exitCode}`, w.reason].filter(Boolean);
  return parts.length > 0 ? parts.join(': ') : w.state;
}

/** A wait in rounded words: 45s, 12m, 2h 5m. */
function inWords(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
