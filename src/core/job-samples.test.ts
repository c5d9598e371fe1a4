import { describe, expect, it } from 'vitest';
import { MAX_SAMPLES, SAMPLE_INTERVAL_MS, sampleStep, samplesToDrop, shouldSample } from './job-samples.ts';

describe('shouldSample', () => {
  it.each<[number | null, number, boolean, string]>([
    // [lastAt, now, expected, why]
    [null, 1_000, true, 'no sample yet: the first beat is one'],
    [10_000, 10_000, false, 'the same instant'],
    [10_000, 10_000 + SAMPLE_INTERVAL_MS - 1, false, 'just under the interval'],
    [10_000, 10_000 + SAMPLE_INTERVAL_MS, true, 'exactly the interval'],
    [10_000, 70_000, true, 'a slow pilot: every beat'],
    [10_000, 5_000, false, 'a clock step back stores nothing'],
  ])('%s, %s → %s (%s)', (lastAt, now, expected) => {
    expect(shouldSample(lastAt, now)).toBe(expected);
  });
});

describe('samplesToDrop', () => {
  const times = (n: number) => Array.from({ length: n }, (_, i) => i * 1000);
  it('keeps everything below the limit', () => {
    expect(samplesToDrop([])).toEqual([]);
    expect(samplesToDrop(times(MAX_SAMPLES - 1))).toEqual([]);
  });
  it('at the limit, drops every second sample but keeps the first and the last', () => {
    const ats = times(MAX_SAMPLES);
    const drop = samplesToDrop(ats);
    const kept = ats.filter((at) => !drop.includes(at));
    expect(drop).toHaveLength(MAX_SAMPLES / 2 - 1); // the last odd index is the last sample, kept
    expect(kept[0]).toBe(0);
    expect(kept.at(-1)).toBe(ats.at(-1));
    expect(kept.length + 1).toBeLessThanOrEqual(MAX_SAMPLES);
  });
  it('with an odd count keeps the last too', () => {
    expect(samplesToDrop(times(MAX_SAMPLES + 1)).includes(MAX_SAMPLES * 1000)).toBe(false);
  });
});

describe('sampleStep', () => {
  const state = (lastAt: number | null, count = 1, attempt = 1) => ({ attempt, lastAt, count });
  it.each<[ReturnType<typeof state> | undefined, number, number, string, string]>([
    // [remembered, attempt, now, expected, why]
    [undefined, 1, 0, 'general', 'unknown job: read what is stored'],
    [state(0, 1, 1), 2, 60_000, 'general', 'a new attempt: read what is stored'],
    [state(0), 1, 1_000, 'skip', 'too soon'],
    [state(0), 1, SAMPLE_INTERVAL_MS, 'sample', 'due: the fast path stores it'],
    [state(0, MAX_SAMPLES - 1), 1, SAMPLE_INTERVAL_MS, 'sample', 'one below the limit'],
    [state(0, MAX_SAMPLES), 1, SAMPLE_INTERVAL_MS, 'general', 'at the limit: thin on the general path'],
    [state(0, MAX_SAMPLES), 1, 1_000, 'skip', 'at the limit but not due'],
  ])('%o attempt %s at %s → %s (%s)', (remembered, attempt, now, expected) => {
    expect(sampleStep(remembered, attempt, now)).toBe(expected);
  });
});
