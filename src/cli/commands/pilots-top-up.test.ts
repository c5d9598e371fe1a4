import { describe, expect, it } from 'vitest';
import { topUpCount } from './pilots-top-up.ts';

describe('topUpCount', () => {
  it.each([
    [4, 0, 4],
    [4, 1, 3],
    [4, 4, 0],
    [4, 6, 0],
    [0, 0, 0],
    [120, 20, 100],
    [5000, 0, 1000],
  ])('target %d with %d live starts %d', (target, live, start) => {
    expect(topUpCount(target, live)).toBe(start);
  });
});
