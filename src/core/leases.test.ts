import { describe, expect, it } from 'vitest';
import { gracedLease } from './leases.ts';

describe('gracedLease', () => {
  const until = 100_000;
  it.each<[number | null, number, number, string]>([
    // [expiresAt, extendByMs, expected, why]
    [null, 0, until, 'no lease yet: one full period'],
    [50_000, 0, until, 'expired during a restart: one full period from now'],
    [150_000, 0, 150_000, 'a lease longer than the period stays'],
    [90_000, 40_000, 130_000, 'an outage of 40 s is given back'],
    [20_000, 40_000, until, 'given back but still short: one full period'],
    [150_000, 40_000, 190_000, 'every active lease is extended by the outage'],
  ])('%s + %s → %s (%s)', (expiresAt, extendByMs, expected) => {
    expect(gracedLease(expiresAt, { until, extendByMs })).toBe(expected);
  });
});
