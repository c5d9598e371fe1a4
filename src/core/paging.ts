// What a page of a listing tells of the listing's total, so that a count is asked only when needed.

/**
 * The number of matches a page tells by itself: a page with rows but fewer than its limit ended at
 * the last match (offset + its rows), and an empty first page means none. Undefined when only a
 * count can tell: a full page, or an empty page past the first (the offset may overshoot).
 */
export function totalOfPage(offset: number, limit: number, rows: number): number | undefined {
  if (rows >= limit) return undefined;
  if (rows === 0 && offset > 0) return undefined;
  return offset + rows;
}
