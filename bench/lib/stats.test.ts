import { describe, expect, it } from 'vitest';
import { median, percentile } from './stats.ts';

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
