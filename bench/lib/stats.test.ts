import { describe, expect, it } from 'vitest';
import { median, pairedRatio, percentile } from './stats.ts';

describe('percentile', () => {
  it.each([
    [[1, 2, 3, 4, 5], 50, 3],
    [[5, 1, 4, 2, 3], 50, 3],
    [[1, 2, 3, 4], 50, 2],
    [Array.from({ length: 100 }, (_, i) => i + 1), 99, 99],
    [Array.from({ length: 100 }, (_, i) => i + 1), 100, 100],
    [[7], 99, 7],
  ])('%j p%d = %d', (samples, p, expected) => {
    expect(percentile(samples, p)).toBe(expected);
  });
  it('is NaN for no samples', () => {
    expect(median([])).toBeNaN();
  });
});

describe('pairedRatio', () => {
  it('is the median of the pairs’ ratios, not the ratio of the medians', () => {
    // Ours is twice the peer in two of three pairs; the ratio of the medians would say 200 / 150.
    expect(pairedRatio([100, 200, 300], [50, 400, 150])).toBe(2);
    expect(pairedRatio([300], [100])).toBe(3);
  });

  it('refuses unpaired samples', () => {
    expect(() => pairedRatio([1, 2], [1])).toThrow(/unpaired samples: 2 against 1/);
  });
});
