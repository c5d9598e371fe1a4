import { describe, expect, it } from 'vitest';
import { totalOfPage } from './paging.ts';

describe('totalOfPage', () => {
  // offset, limit, rows on the page → the total it tells (undefined: count)
  it.each([
    [0, 50, 0, 0],
    [0, 50, 7, 7],
    [0, 50, 49, 49],
    [0, 50, 50, undefined],
    [100, 50, 3, 103],
    [100, 50, 50, undefined],
    [100, 50, 0, undefined],
    [0, 1, 0, 0],
    [0, 1, 1, undefined],
  ])('offset %i, limit %i, %i rows → %s', (offset, limit, rows, total) => {
    expect(totalOfPage(offset, limit, rows)).toBe(total);
  });
});
