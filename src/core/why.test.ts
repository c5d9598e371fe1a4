import { describe, expect, it } from 'vitest';
import { explainJob, type WhyFacts } from './why.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const NO_ASKS = { memoryMib: null, cores: null, diskMib: null };

type Overrides = Partial<Omit<WhyFacts, 'job'>> & { job?: Partial<WhyFacts['job']> };

function facts(overrides: Overrides = {}): WhyFacts {
  const { job, ...rest } = overrides;
  return {
    now: NOW,
    job: {
      id: 7,
      state: 'defined',
      site: 'cern',
      jobtype: 'sim',
      priority: 0,
      attempt: 1,
      workflowId: null,
      dispatchedAt: null,
      startedAt: null,
      leaseExpiresAt: null,
      releaseAt: null,
      killRequested: false,
      errorName: null,
      errorCode: null,
      errorDiag: null,
      asks: NO_ASKS,
      ...job,
    },
    pilots: { live: 1, busy: 0, notTaking: 0 },
    ahead: { count: 0, exact: true },
    parents: [],
    workflow: null,
    holder: null,
    lastEvent: null,
    ruleEvent: null,
    ...rest,
  };
}

const event = (over: Partial<NonNullable<WhyFacts['lastEvent']>>) => ({
  at: NOW - 60_000,
  transition: 'fail',
  toState: 'failed' as const,
  actor: 'pilot:abc',
  detail: null,
  ...over,
});

describe('explainJob', () => {
  // One row per case: the facts, the codes expected in order, and text each sentence must hold.
  const cases: [string, WhyFacts, string[], RegExp[]][] = [
    [
      'defined, no live pilot',
      facts({ pilots: { live: 0, busy: 0, notTaking: 0 } }),
      ['no_live_pilot'],
      [/no live pilot serves site cern and job type sim/],
    ],
    [
      'defined, no site, no pilot',
      facts({ job: { site: null }, pilots: { live: 0, busy: 0, notTaking: 0 } }),
      ['no_live_pilot'],
      [/no live pilot serves any site and job type sim/],
    ],
    [
      'defined, every pilot busy',
      facts({ pilots: { live: 3, busy: 3, notTaking: 0 } }),
      ['pilots_busy'],
      [/every pilot serving site cern and job type sim is busy \(3 pilots running a job\)/],
    ],
    [
      'defined, pilots busy or held',
      facts({ pilots: { live: 3, busy: 2, notTaking: 1 } }),
      ['pilots_not_taking'],
      [/^of the 3 live pilots serving site cern and job type sim, 2 are busy and 1 takes no jobs/],
    ],
    [
      'defined, every pilot held',
      facts({ pilots: { live: 2, busy: 0, notTaking: 2 } }),
      ['pilots_not_taking'],
      [/^of the 2 live pilots serving site cern and job type sim, 2 take no jobs \(held or asked to stop\)$/],
    ],
    [
      'defined, jobs ahead',
      facts({ pilots: { live: 2, busy: 2, notTaking: 0 }, ahead: { count: 4, exact: true } }),
      ['pilots_busy', 'queue_ahead'],
      [/busy/, /^4 jobs of higher priority \(or the same priority, submitted earlier\) are ahead of it/],
    ],
    [
      'defined, many jobs ahead (bounded count)',
      facts({ ahead: { count: 1000, exact: false }, pilots: { live: 1, busy: 1, notTaking: 0 } }),
      ['pilots_busy', 'queue_ahead'],
      [/busy/, /^at least 1000 jobs/],
    ],
    [
      'defined, workflow parents unfinished',
      facts({
        job: { workflowId: 3 },
        parents: [
          { id: 1, name: 'a', state: 'running' },
          { id: 2, name: 'b', state: 'finished' },
        ],
      }),
      ['parents_unfinished'],
      [/its workflow parent has not finished: a \(job 1, running\)/],
    ],
    [
      'defined, asks more memory and cores than any pilot offers',
      facts({
        job: { asks: { memoryMib: 64000, cores: 8, diskMib: 10 } },
        pilots: { live: 2, busy: 0, notTaking: 0, largest: { memoryMib: 16000, cores: 4, diskMib: 1000 } },
      }),
      ['exceeds_pilot_resources', 'exceeds_pilot_resources'],
      [/asks for 64000 MiB of memory; the largest live pilot .* offers 16000 MiB/, /asks for 8 of cores/],
    ],
    [
      'defined, a pilot that does not advertise a resource may take it',
      facts({
        job: { asks: { memoryMib: 64000, cores: null, diskMib: null } },
        pilots: { live: 2, busy: 0, notTaking: 0, largest: { memoryMib: null, cores: 4, diskMib: 1000 } },
      }),
      ['should_start'],
      [/idle pilot/],
    ],
    [
      'defined, pilots advertise no resources at all (no such columns)',
      facts({ job: { asks: { memoryMib: 64000, cores: 64, diskMib: 1 } } }),
      ['should_start'],
      [/should start/],
    ],
    [
      'defined, an idle pilot serves it',
      facts(),
      ['should_start'],
      [/an idle pilot serves site cern and job type sim and nothing is ahead/],
    ],
    [
      'template, parked by a user',
      facts({
        job: { state: 'template' },
        lastEvent: event({ transition: 'park', toState: 'template', actor: 'alice', at: NOW }),
      }),
      ['parked'],
      [/parked by alice at 2026-01-01T12:00:00Z: release it with `p3s job adjust 7 --state defined`/],
    ],
    [
      'template, a retry its rule deferred',
      facts({
        job: { state: 'template', attempt: 2, releaseAt: NOW + 30_000 },
        lastEvent: event({ transition: 'defer', toState: 'template', actor: 'rule:3' }),
      }),
      ['retry_deferred'],
      [/a retry rule deferred attempt 2: it is queued at 2026-01-01T12:00:30Z, by itself/],
    ],
    [
      'template, submitted as one',
      facts({
        job: { state: 'template' },
        lastEvent: event({ transition: 'submit', toState: 'template', actor: 'bob' }),
      }),
      ['parked'],
      [/by bob .*\(submitted as a template\)/],
    ],
    [
      'template, waiting on workflow parents',
      facts({
        job: { state: 'template', workflowId: 3 },
        workflow: { id: 3, name: 'wf', state: 'running' },
        parents: [
          { id: 1, name: 'a', state: 'defined' },
          { id: 2, name: 'b', state: 'failed' },
        ],
      }),
      ['parents_unfinished'],
      [/2 of its workflow parents have not finished: a \(job 1, defined\), b \(job 2, failed\)/],
    ],
    [
      'template, workflow not started',
      facts({
        job: { state: 'template', workflowId: 3 },
        workflow: { id: 3, name: 'wf', state: 'template' },
        parents: [{ id: 1, name: 'a', state: 'template' }],
      }),
      ['workflow_not_started'],
      [/workflow 3 "wf" is not started: start it with `p3s workflow start 3`/],
    ],
    [
      'running on a pilot',
      facts({
        job: {
          state: 'running',
          dispatchedAt: NOW - 200_000,
          startedAt: NOW - 125_000,
          leaseExpiresAt: NOW + 30_000,
        },
        holder: { id: 4, uuid: 'u4', host: 'node1', site: 'cern', state: 'running', lastSeenAt: NOW },
      }),
      ['held_by_pilot'],
      [
        /running on pilot 4 on node1 \(site cern\) since 2026-01-01T11:57:55Z \(2m 5s\); its lease runs until/,
      ],
    ],
    [
      'dispatched, kill requested',
      facts({
        job: { state: 'dispatched', dispatchedAt: NOW - 5000, killRequested: true },
        holder: { id: 4, uuid: 'u4', host: 'node1', site: null, state: 'running', lastSeenAt: NOW },
      }),
      ['held_by_pilot', 'kill_requested'],
      [/dispatched to pilot 4 on node1 since .* \(5s\)/, /kill was requested/],
    ],
    [
      'failed, with a retry rule decision',
      facts({
        job: {
          state: 'failed',
          attempt: 2,
          errorName: 'exit_code',
          errorCode: 1001,
          errorDiag: 'exit code 3',
        },
        lastEvent: event({ detail: 'exit code 3' }),
        ruleEvent: event({
          actor: 'rule:flaky',
          transition: 'retry',
          toState: 'defined',
          detail: 'retries exhausted (3)',
        }),
      }),
      ['ended_error', 'ended_by', 'rule_decision'],
      [
        /attempt 2 ended failed with exit_code \(1001\): exit code 3/,
        /last change: fail to failed by pilot:abc at .* \(exit code 3\)/,
        /rule:flaky at .*: retries exhausted \(3\)/,
      ],
    ],
    [
      'cancelled by a user',
      facts({
        job: { state: 'cancelled', errorName: 'killed', errorCode: 1100, errorDiag: 'killed by alice' },
        lastEvent: event({ transition: 'cancel', toState: 'cancelled', actor: 'alice' }),
      }),
      ['ended_error', 'ended_by'],
      [/ended cancelled with killed \(1100\): killed by alice/, /cancel to cancelled by alice/],
    ],
    ['failed without history', facts({ job: { state: 'failed' } }), ['ended_by'], [/no history is recorded/]],
    ['finished', facts({ job: { state: 'finished' } }), ['finished'], [/finished; nothing is waiting/]],
  ];

  it.each(cases)('%s', (_name, input, codes, messages) => {
    const reasons = explainJob(input);
    expect(reasons.map((r) => r.code)).toEqual(codes);
    for (const [i, pattern] of messages.entries()) expect(reasons[i]?.message).toMatch(pattern);
  });
});
