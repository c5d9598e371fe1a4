import { describe, expect, it } from 'vitest';
import {
  decideFeed,
  type EndedWorker,
  type FeedInput,
  REFUSAL_BACKOFF_BASE_MS,
  startFailures,
  waitingJobsFor,
} from './provisioning-decisions.ts';

const NOW = 1_000_000_000;
const limits = { maxWorkers: 6, maxQueued: 3, submitBatch: 10, failureLimit: 3, failureCooldown: 600 };
const input = (over: Partial<FeedInput> = {}): FeedInput => ({
  now: NOW,
  drained: false,
  limits,
  waitingJobs: 0,
  workers: { submitted: 0, held: 0, running: 0, unclaimed: 0 },
  recent: [],
  resetAt: null,
  ...over,
});
const counts = (submitted: number, held: number, running: number, unclaimed: number) => ({
  submitted,
  held,
  running,
  unclaimed,
});
const ended = (over: Partial<EndedWorker> = {}): EndedWorker => ({
  state: 'finished',
  endedAt: NOW - 1000,
  registered: true,
  failure: null,
  exitCode: 0,
  reason: null,
  ...over,
});
const neverStarted = (agoMs: number): EndedWorker =>
  ended({
    state: 'failed',
    endedAt: NOW - agoMs,
    registered: false,
    failure: 'never_registered',
    exitCode: 127,
  });
const refused = (agoMs: number): EndedWorker =>
  ended({
    state: 'failed',
    endedAt: NOW - agoMs,
    registered: false,
    failure: 'submit_refused',
    exitCode: null,
    reason: 'Invalid account',
  });

describe('decideFeed: how many pilots, bounded by demand and limits', () => {
  it.each<[string, Partial<FeedInput>, number, string]>([
    ['no jobs wait: nothing', {}, 0, 'no_demand'],
    ['2 jobs wait, nothing alive: 2', { waitingJobs: 2 }, 2, 'demand'],
    ['jobs minus queued pilots', { waitingJobs: 3, workers: counts(2, 0, 0, 0) }, 1, 'demand'],
    ['held pilots count as queued', { waitingJobs: 3, workers: counts(1, 2, 0, 0) }, 0, 'no_demand'],
    ['idle running pilots take jobs too', { waitingJobs: 3, workers: counts(0, 0, 3, 2) }, 1, 'demand'],
    ['busy running pilots do not', { waitingJobs: 3, workers: counts(0, 0, 3, 0) }, 3, 'demand'],
    ['never over maxWorkers', { waitingJobs: 100, workers: counts(0, 0, 5, 0) }, 1, 'max_workers'],
    ['never over maxQueued', { waitingJobs: 100, workers: counts(2, 0, 0, 0) }, 1, 'max_queued'],
    ['at maxWorkers: nothing', { waitingJobs: 100, workers: counts(0, 0, 6, 0) }, 0, 'max_workers'],
    [
      'over the limits (lowered): nothing, never negative',
      { waitingJobs: 100, workers: counts(4, 0, 6, 0) },
      0,
      'max_workers',
    ],
    [
      'submitBatch per cycle',
      { waitingJobs: 100, limits: { ...limits, maxWorkers: 100, maxQueued: 100, submitBatch: 4 } },
      4,
      'submit_batch',
    ],
    [
      'maxWorkers 0 feeds nothing',
      { waitingJobs: 5, limits: { ...limits, maxWorkers: 0, maxQueued: 0 } },
      0,
      'max_workers',
    ],
    ['drained: nothing however many wait', { waitingJobs: 50, drained: true }, 0, 'drained'],
  ])('%s', (_name, over, submit, limit) => {
    const decision = decideFeed(input(over));
    expect(decision.submit).toBe(submit);
    expect(decision.limit).toBe(limit);
  });

  it('says what it saw in words', () => {
    const d = decideFeed(input({ waitingJobs: 6, workers: counts(1, 0, 1, 1) }));
    expect(d.detail).toBe(
      '6 jobs waiting, 1 queued and 1 idle pilot, 2 of 6 workers alive: submit 2 (maxQueued reached)',
    );
    expect(d.demand).toBe(4);
  });
});

describe('decideFeed: backoff after refused submissions', () => {
  it.each<[string, EndedWorker[], number, number | null]>([
    ['one refusal, base wait not over', [refused(1000)], 0, NOW - 1000 + REFUSAL_BACKOFF_BASE_MS],
    ['one refusal, base wait over', [refused(REFUSAL_BACKOFF_BASE_MS + 1)], 2, null],
    [
      'three refusals wait four times the base',
      [refused(2 * REFUSAL_BACKOFF_BASE_MS), refused(3e5), refused(4e5)],
      0,
      NOW - 2 * REFUSAL_BACKOFF_BASE_MS + 4 * REFUSAL_BACKOFF_BASE_MS,
    ],
    ['a success ends the streak', [ended(), refused(1000)], 2, null],
    ['the wait is capped at 15 minutes', Array.from({ length: 20 }, () => refused(15 * 60_000 + 1)), 2, null],
  ])('%s', (_name, recent, submit, until) => {
    const d = decideFeed(input({ waitingJobs: 2, recent }));
    expect(d.submit).toBe(submit);
    expect(d.until).toBe(until);
    if (submit === 0) expect(d.limit).toBe('backoff');
  });

  it('names the refusal', () => {
    expect(decideFeed(input({ waitingJobs: 2, recent: [refused(1000)] })).detail).toMatch(
      /refused the last 1 submission \(Invalid account\); next try in 14s/,
    );
  });
});

describe('decideFeed: pilots that keep failing at start', () => {
  const three = [neverStarted(1000), neverStarted(2000), neverStarted(3000)];
  it.each<[string, Partial<FeedInput>, number, string]>([
    ['two failures: still fed', { recent: three.slice(0, 2) }, 2, 'demand'],
    ['three in a row: stopped', { recent: three }, 0, 'start_failures'],
    [
      'a registered pilot in between ends the streak',
      { recent: [neverStarted(1000), neverStarted(2000), ended(), neverStarted(4000)] },
      2,
      'demand',
    ],
    [
      'cancellations and refusals do not break or count',
      {
        recent: [
          neverStarted(1000),
          ended({ state: 'cancelled', registered: false, failure: null }),
          refused(1500),
          neverStarted(2000),
          neverStarted(3000),
        ],
      },
      0,
      'start_failures',
    ],
    [
      'after the cool-down: one probe',
      { recent: three.map((w) => ({ ...w, endedAt: w.endedAt - 600_000 })) },
      1,
      'probe',
    ],
    [
      'while the probe is alive: nothing',
      { recent: three.map((w) => ({ ...w, endedAt: w.endedAt - 600_000 })), workers: counts(1, 0, 0, 0) },
      0,
      'probe',
    ],
    [
      'cool-down 0 waits for a resume',
      {
        recent: three.map((w) => ({ ...w, endedAt: w.endedAt - 9e9 })),
        limits: { ...limits, failureCooldown: 0 },
      },
      0,
      'start_failures',
    ],
    ['p3s site resume forgives earlier failures', { recent: three, resetAt: NOW - 500 }, 2, 'demand'],
  ])('%s', (_name, over, submit, limit) => {
    const d = decideFeed(input({ waitingJobs: 2, ...over }));
    expect(d.submit).toBe(submit);
    expect(d.limit).toBe(limit);
  });

  it('says why and until when, with the last exit status', () => {
    const d = decideFeed(input({ waitingJobs: 2, recent: three }));
    expect(d.detail).toBe(
      'not fed: 3 pilots in a row never registered (last: exit 127); one probe pilot in 10m, or p3s site resume NAME',
    );
    expect(d.until).toBe(NOW - 1000 + 600_000);
  });

  it('startFailures counts only the leading streak', () => {
    expect(startFailures([neverStarted(1), ended(), neverStarted(3)])).toHaveLength(1);
    expect(
      startFailures([ended({ state: 'failed', failure: 'exit_code', registered: true }), neverStarted(2)]),
    ).toHaveLength(0);
  });
});

describe("waitingJobsFor: the jobs a site's pilots would take", () => {
  const queue = [
    { jobtype: 'reco', site: 'hpc', defined: 5, dispatched: 1, running: 2 },
    { jobtype: 'dqm', site: 'hpc', defined: 3, dispatched: 0, running: 0 },
    { jobtype: 'reco', site: null, defined: 7, dispatched: 0, running: 0 },
    { jobtype: 'reco', site: 'other', defined: 11, dispatched: 0, running: 0 },
  ];
  it.each<[string, { jobTypes: string[]; siteless: boolean }, number]>([
    ['its own site, any type', { jobTypes: [], siteless: false }, 8],
    ['its own site, its types', { jobTypes: ['reco'], siteless: false }, 5],
    ['and jobs that name no site', { jobTypes: [], siteless: true }, 15],
    ['siteless, one type', { jobTypes: ['dqm'], siteless: true }, 3],
    ['a type nobody submits', { jobTypes: ['none'], siteless: true }, 0],
  ])('%s', (_name, p, expected) => {
    expect(waitingJobsFor(queue, 'hpc', p)).toBe(expected);
  });
});
