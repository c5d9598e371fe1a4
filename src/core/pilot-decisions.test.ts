import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  lostPayloadWarning,
  type PilotBudget,
  reportBackoffCapMs,
  shouldClaim,
} from './pilot-decisions.ts';

const budget = (over: Partial<PilotBudget>): PilotBudget => ({
  cycles: 0,
  cyclesUsed: 0,
  lifetime: 0,
  timefloor: 0,
  startedAt: 0,
  now: 0,
  stopping: false,
  idleExit: 0,
  idleSince: 0,
  ...over,
});

describe('shouldClaim', () => {
  it.each<[string, Partial<PilotBudget>, string | true]>([
    ['unlimited pilot', {}, true],
    ['stopping', { stopping: true }, 'stopping'],
    ['cycles left', { cycles: 3, cyclesUsed: 2 }, true],
    ['cycles used up', { cycles: 3, cyclesUsed: 3 }, 'cycles'],
    ['cycles 0 = forever', { cycles: 0, cyclesUsed: 10_000 }, true],
    ['lifetime left above timefloor', { lifetime: 100, timefloor: 30, now: 60_000 }, true],
    ['remaining lifetime below timefloor', { lifetime: 100, timefloor: 30, now: 80_000 }, 'timefloor'],
    ['lifetime over', { lifetime: 100, now: 100_000 }, 'lifetime'],
    ['timefloor ignored without lifetime', { timefloor: 1e9, now: 1e9 }, true],
    ['idle less than idleExit', { idleExit: 60, idleSince: 1000, now: 60_999 }, true],
    ['idle for idleExit: exits', { idleExit: 60, idleSince: 1000, now: 61_000 }, 'idle'],
    ['idleExit 0 = never', { idleExit: 0, idleSince: 0, now: 1e12 }, true],
  ])('%s', (_name, over, expected) => {
    const decision = shouldClaim(budget(over));
    if (expected === true) expect(decision).toEqual({ claim: true });
    else expect(decision).toEqual({ claim: false, reason: expected });
  });
});

describe('backoffDelay', () => {
  it('grows exponentially and is capped', () => {
    const fixed = () => 1;
    expect(backoffDelay(0, 100, 10_000, fixed)).toBe(100);
    expect(backoffDelay(3, 100, 10_000, fixed)).toBe(800);
    expect(backoffDelay(30, 100, 10_000, fixed)).toBe(10_000);
  });
  it('keeps at least half the step as jitter floor', () => {
    expect(backoffDelay(2, 100, 10_000, () => 0)).toBe(200);
  });
});

describe('reportBackoffCapMs', () => {
  it.each([
    [30, 10_000],
    [60, 10_000],
    [6, 2000],
    [1, 1000 / 3],
    [0, 100],
  ])('a lease of %s s caps the wait between report tries at %s ms', (lease, cap) => {
    expect(reportBackoffCapMs(lease)).toBe(cap);
  });
});

describe('lostPayloadWarning', () => {
  const pilot = { uuid: 'p', host: 'h', state: 'lost', lastSeenAt: 1000, currentJobId: null };
  const lost = { errorName: 'lost', endedAt: 2000, pilot, jobId: 7 };
  it.each([
    ['a lost attempt whose pilot is silent since', lost, true],
    ['an attempt that failed otherwise', { ...lost, errorName: 'exit_code' }, false],
    ['a lost attempt whose pilot stopped', { ...lost, pilot: { ...pilot, state: 'stopped' } }, false],
    [
      'a lost attempt whose pilot talked since',
      { ...lost, pilot: { ...pilot, state: 'idle', lastSeenAt: 3000 } },
      false,
    ],
    ['a lost attempt without a pilot', { ...lost, pilot: null }, false],
  ])('%s → %s', (_, attempt, warns) => {
    expect(lostPayloadWarning(attempt) !== null).toBe(warns);
  });
});
