import { describe, expect, it } from 'vitest';
import {
  decideRetry,
  describeDecision,
  type FailedAttempt,
  type RetryMatch,
  type RetryRule,
  retryRuleIssues,
} from './retry-rules.ts';

const ANY: RetryMatch = {
  errorName: null,
  exitCode: null,
  signal: null,
  diagPattern: null,
  jobType: null,
  site: null,
};

function rule(id: number, match: Partial<RetryMatch>, more: Partial<RetryRule> = {}): RetryRule {
  return {
    id,
    name: `r${id}`,
    match: { ...ANY, ...match },
    action: 'retry',
    maxAttempts: 3,
    delaySeconds: 0,
    delayFactor: 1,
    factor: null,
    cap: null,
    logOnly: false,
    createdAt: 0,
    createdBy: 'admin',
    ...more,
  };
}

const failed = (more: Partial<FailedAttempt> = {}): FailedAttempt => ({
  attempt: 1,
  errorName: 'lost',
  exitCode: null,
  signal: null,
  diag: 'pilot p on h stopped heartbeating',
  jobType: 'default',
  site: 'cern',
  memoryMib: null,
  maxRssKb: null,
  timelimit: 100,
  ...more,
});

describe('which rule decides', () => {
  const cases: [string, RetryRule[], FailedAttempt, number | null][] = [
    ['no rules: none', [], failed(), null],
    ['error name matches', [rule(1, { errorName: 'lost' })], failed(), 1],
    ['error name differs', [rule(1, { errorName: 'exit_code' })], failed(), null],
    ['exit code matches', [rule(1, { exitCode: 2 })], failed({ errorName: 'exit_code', exitCode: 2 }), 1],
    ['exit code differs', [rule(1, { exitCode: 2 })], failed({ errorName: 'exit_code', exitCode: 3 }), null],
    ['signal matches', [rule(1, { signal: 'SIGKILL' })], failed({ signal: 'SIGKILL' }), 1],
    ['diag pattern found', [rule(1, { diagPattern: 'heart?beat' })], failed(), 1],
    ['diag pattern absent', [rule(1, { diagPattern: '^oom' })], failed(), null],
    ['diag pattern on no diag', [rule(1, { diagPattern: 'x' })], failed({ diag: null }), null],
    ['job type matches', [rule(1, { jobType: 'reco' })], failed({ jobType: 'reco' }), 1],
    ['site differs', [rule(1, { site: 'fnal' })], failed(), null],
    ['catch-all matches', [rule(1, {})], failed(), 1],
    [
      'more specific wins over older',
      [rule(1, { errorName: 'lost', site: 'cern' }), rule(2, { errorName: 'lost' })],
      failed(),
      1,
    ],
    [
      'more specific wins over newer',
      [rule(2, { errorName: 'lost' }), rule(1, { errorName: 'lost', site: 'cern' })],
      failed(),
      1,
    ],
    ['equals: the newest', [rule(1, { errorName: 'lost' }), rule(5, { site: 'cern' })], failed(), 5],
    ['all fields must match', [rule(1, { errorName: 'lost', site: 'fnal' }), rule(2, {})], failed(), 2],
  ];
  it.each(cases)('%s', (_name, rules, attempt, expected) => {
    const { decision } = decideRetry(rules, attempt);
    expect(decision.kind === 'none' ? null : decision.rule.id).toBe(expected);
  });

  it('leaves log-only rules out of the decision and reports the best of them', () => {
    const rules = [
      rule(1, { errorName: 'lost' }, { action: 'no_retry' }),
      rule(2, { errorName: 'lost', site: 'cern' }, { logOnly: true }),
    ];
    const verdict = decideRetry(rules, failed());
    expect(verdict.decision).toMatchObject({ kind: 'no_retry', rule: { id: 1 } });
    expect(verdict.logged).toMatchObject({ kind: 'retry', rule: { id: 2 }, attempt: 2 });
    expect(describeDecision(verdict.logged ?? { kind: 'none' })).toBe(
      'retry rule 2 "r2" (log only): would have retried as attempt 2 of 3',
    );
  });
});

describe('what the deciding rule does', () => {
  const cases: [string, RetryRule, FailedAttempt, object][] = [
    ['no_retry', rule(1, {}, { action: 'no_retry' }), failed(), { kind: 'no_retry' }],
    ['retry: next attempt', rule(1, {}), failed(), { kind: 'retry', attempt: 2, delayMs: 0 }],
    ['retry: the last allowed attempt', rule(1, {}), failed({ attempt: 2 }), { kind: 'retry', attempt: 3 }],
    [
      'retry: attempts spent',
      rule(1, {}),
      failed({ attempt: 3 }),
      { kind: 'spent', why: 'attempt 3 of 3 was the last' },
    ],
    ['retry: a delay', rule(1, {}, { delaySeconds: 10 }), failed(), { kind: 'retry', delayMs: 10_000 }],
    [
      'retry: the delay grows',
      rule(1, {}, { delaySeconds: 10, delayFactor: 2 }),
      failed({ attempt: 2 }),
      { delayMs: 20_000 },
    ],
    [
      'retry: the delay stops at a day',
      rule(1, {}, { maxAttempts: 99, delaySeconds: 3600, delayFactor: 10 }),
      failed({ attempt: 5 }),
      { delayMs: 86_400_000 },
    ],
    [
      'increase_memory from the request',
      rule(1, {}, { action: 'increase_memory', factor: 2, cap: 8192 }),
      failed({ memoryMib: 200 }),
      { kind: 'retry', memoryMib: 400 },
    ],
    [
      'increase_memory up to the cap',
      rule(1, {}, { action: 'increase_memory', factor: 2, cap: 300 }),
      failed({ memoryMib: 200 }),
      { kind: 'retry', memoryMib: 300 },
    ],
    [
      'increase_memory already at the cap',
      rule(1, {}, { action: 'increase_memory', factor: 2, cap: 300 }),
      failed({ memoryMib: 300 }),
      { kind: 'spent', why: 'memory 300 MiB is already at the cap' },
    ],
    [
      'increase_memory from the measured peak without a request',
      rule(1, {}, { action: 'increase_memory', factor: 1.5, cap: null }),
      failed({ maxRssKb: 102_400 }),
      { kind: 'retry', memoryMib: 150 },
    ],
    [
      'increase_memory with nothing to start from: a plain retry',
      rule(1, {}, { action: 'increase_memory', factor: 2, cap: null }),
      failed(),
      { kind: 'retry', attempt: 2 },
    ],
    [
      'increase_timelimit',
      rule(1, {}, { action: 'increase_timelimit', factor: 2, cap: 3600 }),
      failed({ timelimit: 2 }),
      { kind: 'retry', timelimit: 4 },
    ],
    [
      'increase_timelimit without a cap stops at what a job may ask for',
      rule(1, {}, { action: 'increase_timelimit', factor: 100, cap: null }),
      failed({ timelimit: 100_000_000 }),
      { kind: 'retry', timelimit: 315_360_000 },
    ],
    [
      'increase_timelimit already at what a job may ask for',
      rule(1, {}, { action: 'increase_timelimit', factor: 2, cap: null }),
      failed({ timelimit: 315_360_000 }),
      { kind: 'spent' },
    ],
    [
      'increase_timelimit at the cap',
      rule(1, {}, { action: 'increase_timelimit', factor: 2, cap: 100 }),
      failed({ timelimit: 100 }),
      { kind: 'spent' },
    ],
    [
      'increase_timelimit: attempts spent first',
      rule(1, {}, { action: 'increase_timelimit', factor: 2, cap: null, maxAttempts: 1 }),
      failed(),
      { kind: 'spent' },
    ],
  ];
  it.each(cases)('%s', (_name, r, attempt, expected) => {
    expect(decideRetry([r], attempt).decision).toMatchObject(expected);
  });

  it('keeps the request when there is nothing to increase from', () => {
    const r = rule(1, {}, { action: 'increase_memory', factor: 2, cap: null });
    expect(decideRetry([r], failed()).decision).not.toHaveProperty('memoryMib');
  });

  it('says in one line which rule fired and what it did', () => {
    const r = rule(
      4,
      {},
      { name: 'slow jobs', action: 'increase_timelimit', factor: 2, cap: null, delaySeconds: 5 },
    );
    expect(describeDecision(decideRetry([r], failed({ timelimit: 2 })).decision)).toBe(
      'retry rule 4 "slow jobs": retried as attempt 2 of 3, time limit 4 s, after 5 s',
    );
    expect(describeDecision(decideRetry([rule(1, {}, { action: 'no_retry' })], failed()).decision)).toBe(
      'retry rule 1 "r1": not retried',
    );
    expect(describeDecision({ kind: 'none' })).toBeNull();
  });
});

describe('a rule that cannot be stored', () => {
  const base = rule(1, {});
  const cases: [string, Partial<RetryRule>, string[]][] = [
    ['a plain retry is fine', {}, []],
    ['an empty name', { name: ' ' }, ['/name']],
    ['a pattern that does not compile', { match: { ...ANY, diagPattern: '(' } }, ['/match/diagPattern']],
    ['increase without a factor', { action: 'increase_memory' }, ['/factor']],
    ['increase with a factor of 1', { action: 'increase_timelimit', factor: 1 }, ['/factor']],
    ['a factor on a plain retry', { factor: 2 }, ['/factor']],
    ['a cap on no_retry', { action: 'no_retry', cap: 5 }, ['/cap']],
  ];
  it.each(cases)('%s', (_name, change, fields) => {
    expect(retryRuleIssues({ ...base, ...change }).map((issue) => issue.path)).toEqual(fields);
  });
});
