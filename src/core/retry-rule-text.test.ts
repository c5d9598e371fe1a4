import { describe, expect, it } from 'vitest';
import { describeDelay, describeIncrease, describeMatch } from './retry-rule-text.ts';

const NONE = { errorName: null, exitCode: null, signal: null, diagPattern: null, jobType: null, site: null };

describe('describeMatch', () => {
  it.each([
    [{}, 'any failure'],
    [{ errorName: 'lost' }, 'error=lost'],
    [{ exitCode: 0 }, 'exit=0'],
    [{ errorName: 'signal', signal: 'SIGKILL' }, 'error=signal signal=SIGKILL'],
    [{ diagPattern: 'No space', jobType: 'reco', site: 'cern' }, 'diag=/No space/ jobtype=reco site=cern'],
  ])('%j → %s', (match, text) => {
    expect(describeMatch({ ...NONE, ...match })).toBe(text);
  });
});

describe('describeDelay and describeIncrease', () => {
  it.each([
    [0, 1, '-'],
    [0, 2, '-'],
    [60, 1, '60s'],
    [60, 2, '60s ×2'],
  ])('delay %d factor %d → %s', (delaySeconds, delayFactor, text) => {
    expect(describeDelay({ delaySeconds, delayFactor })).toBe(text);
  });

  it.each([
    [null, null, '-'],
    [2, null, '×2'],
    [1.5, 8000, '×1.5 ≤ 8000'],
  ])('factor %s cap %s → %s', (factor, cap, text) => {
    expect(describeIncrease({ factor, cap })).toBe(text);
  });
});
