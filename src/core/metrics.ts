// What /metrics reports of the database, and the rule that keeps its labels bounded. Job types
// and sites are names users choose: each label keeps its most common values and folds the rest
// into `_other`, so a flood of new names can never grow the number of series without bound.

import type { JobState } from './job-state.ts';
import type { PilotState } from './pilot-state.ts';

/** Jobs and pilots counted by what the metrics label them with, read in one aggregate query. */
export interface MetricsSnapshot {
  /** Jobs by state, requested site (null: any) and job type; `oldestDefinedAt` for `defined` ones. */
  jobs: {
    state: JobState;
    site: string | null;
    jobtype: string;
    count: number;
    oldestDefinedAt: number | null;
  }[];
  /** Pilots by state and site (null: none given). */
  pilots: { state: PilotState; site: string | null; count: number }[];
}

/** Most distinct values one user-named label (site, job type) keeps; the rest become OTHER_LABEL. */
export const MAX_LABEL_VALUES = 50;
export const OTHER_LABEL = '_other';

/**
 * The values of `label` to keep: the `max` with the largest total count (ties by name, so the
 * choice is stable between scrapes). Every other value is reported as OTHER_LABEL.
 */
export function keptLabelValues<T extends { count: number }>(
  rows: readonly T[],
  label: (row: T) => string,
  max = MAX_LABEL_VALUES,
): Set<string> {
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(label(row), (totals.get(label(row)) ?? 0) + row.count);
  const ranked = [...totals].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  return new Set(ranked.slice(0, max).map(([value]) => value));
}

/**
 * Rows grouped by their bounded labels: values outside `kept` become OTHER_LABEL, and rows that
 * end up with the same labels are merged with `merge`.
 */
export function foldLabels<T>(
  rows: readonly T[],
  labelsOf: (row: T) => Record<string, string>,
  kept: Record<string, Set<string>>,
  merge: (a: T, b: T) => T,
): { labels: Record<string, string>; row: T }[] {
  const out = new Map<string, { labels: Record<string, string>; row: T }>();
  for (const row of rows) {
    const labels = labelsOf(row);
    for (const [name, values] of Object.entries(kept)) {
      const value = labels[name];
      if (value !== undefined && !values.has(value)) labels[name] = OTHER_LABEL;
    }
    const key = JSON.stringify(Object.entries(labels).sort());
    const seen = out.get(key);
    out.set(key, seen ? { labels, row: merge(seen.row, row) } : { labels, row });
  }
  return [...out.values()];
}
