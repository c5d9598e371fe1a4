import { describe, expect, it } from 'vitest';
import { dispatchStale, queueDeadline, queueTimedOut, queueTimeoutDiag } from './watchdogs.ts';

const T = 1_700_000_000_000;

describe('queue timeout', () => {
  it.each<[string, number | null, number | null, number, boolean]>([
    ['no limit: never', T, null, T + 10 ** 12, false],
    ['never defined (parked): never', null, 60, T + 10 ** 12, false],
    ['before the deadline', T, 60, T + 59_999, false],
    ['at the deadline: still waiting', T, 60, T + 60_000, false],
    ['past the deadline', T, 60, T + 60_001, true],
    ['long past', T, 1, T + 3_600_000, true],
  ])('%s', (_, definedAt, limit, now, expected) => {
    expect(queueTimedOut(definedAt, limit, now)).toBe(expected);
  });

  it('places the deadline limit seconds after the job was defined', () => {
    expect(queueDeadline(T, 90)).toBe(T + 90_000);
    expect(queueDeadline(T, null)).toBeNull();
  });

  it.each<[string, number | null, number, boolean]>([
    ['never dispatched', null, T + 10 ** 9, false],
    ['within the timeout', T, T + 600_000, false],
    ['past the timeout', T, T + 600_001, true],
  ])('dispatch: %s', (_, dispatchedAt, now, expected) => {
    expect(dispatchStale(dispatchedAt, 600_000, now)).toBe(expected);
  });

  it('names the site, the limit and the wait', () => {
    expect(queueTimeoutDiag('lxvm', 60, T, T + 61_400)).toBe(
      'waited 61s defined for site lxvm, past its queuelimit of 60s; no pilot took it',
    );
  });
});
