// Monitor statistics as pure rules: the chart windows and their buckets, the types of the
// time series, failure groups and queue depth, and how diagnostics are folded into groups.

/** Chart windows: how far back, and how wide each bucket is. */
export const STATS_WINDOWS = {
  hour: { seconds: 3600, bucketSeconds: 60 },
  day: { seconds: 86_400, bucketSeconds: 900 },
  week: { seconds: 604_800, bucketSeconds: 3600 },
} as const;
export type StatsWindow = keyof typeof STATS_WINDOWS;
export const STATS_WINDOW_NAMES = Object.keys(STATS_WINDOWS) as StatsWindow[];

export function isStatsWindow(value: string): value is StatsWindow {
  return Object.hasOwn(STATS_WINDOWS, value);
}

/** The buckets of a window ending at `now`: aligned to the bucket size, the last one holds `now`. */
export function windowBuckets(
  window: StatsWindow,
  now: number,
): { from: number; to: number; bucketMs: number; count: number } {
  const { seconds, bucketSeconds } = STATS_WINDOWS[window];
  const bucketMs = bucketSeconds * 1000;
  const count = seconds / bucketSeconds;
  // Aligned buckets keep a chart stable between refreshes (the same bucket keeps its start).
  const to = (Math.floor(now / bucketMs) + 1) * bucketMs;
  return { from: to - count * bucketMs, to, bucketMs, count };
}

/** One bucket of the time series: what ended in it, and what was live at its end (or now). */
export interface TimelinePoint {
  /** Start of the bucket (epoch ms). */
  at: number;
  finished: number;
  failed: number;
  /** Jobs in state running at the end of the bucket (at `now` for the current one). */
  running: number;
  /** Pilots idle or running at the end of the bucket. */
  pilots: number;
}

export interface Timeline {
  window: StatsWindow;
  bucketSeconds: number;
  from: number;
  to: number;
  now: number;
  points: TimelinePoint[];
}

/** Per-bucket counts read from the store, before the live series are rebuilt. */
export interface BucketDeltas {
  bucket: number;
  finished: number;
  failed: number;
  /** Jobs that entered / left state running in the bucket. */
  runStarts: number;
  runEnds: number;
  /** Pilots that registered / stopped or fell silent in the bucket. */
  pilotStarts: number;
  pilotEnds: number;
}

/**
 * Builds the series from per-bucket deltas and the live counts now: walking back from now,
 * the count at the end of bucket k is now's count minus what started after k plus what ended after k.
 */
export function buildTimeline(
  window: StatsWindow,
  now: number,
  deltas: readonly BucketDeltas[],
  live: { running: number; pilots: number },
): Timeline {
  const { from, to, bucketMs, count } = windowBuckets(window, now);
  const byBucket = new Map(deltas.map((d) => [d.bucket, d]));
  const points: TimelinePoint[] = [];
  let running = live.running;
  let pilots = live.pilots;
  for (let k = count - 1; k >= 0; k--) {
    const d = byBucket.get(k);
    points.push({
      at: from + k * bucketMs,
      finished: d?.finished ?? 0,
      failed: d?.failed ?? 0,
      running,
      pilots,
    });
    // Step back over bucket k: undo what happened inside it.
    running = Math.max(0, running - (d?.runStarts ?? 0) + (d?.runEnds ?? 0));
    pilots = Math.max(0, pilots - (d?.pilotStarts ?? 0) + (d?.pilotEnds ?? 0));
  }
  points.reverse();
  return { window, bucketSeconds: bucketMs / 1000, from, to, now, points };
}

/** Failed jobs sharing an error and a diagnostic pattern. */
export interface FailureGroup {
  errorName: string | null;
  errorCode: number | null;
  /** The diagnostic with what differs from job to job (times, ids, hosts' numbers) folded. */
  diagnostic: string;
  count: number;
  /** When the last of them ended, and which job it was. */
  lastAt: number;
  lastJobId: number;
  /** One real diagnostic of the group, unfolded. */
  example: string;
}

/** Replaces the parts of a diagnostic that differ between otherwise equal failures. */
export function diagnosticPattern(diag: string | null): string {
  if (diag === null || diag === '') return '';
  return diag
    .replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\b/g, '<time>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/\b(pid|job|pilot|attempt) \d+\b/gi, '$1 <n>')
    .replace(/\b[0-9a-f]{16,}\b/gi, '<id>');
}

/** Groups of exact (error, diagnostic) counts merged by pattern, largest first. */
export function mergeFailureGroups(
  rows: readonly {
    errorName: string | null;
    errorCode: number | null;
    diag: string | null;
    count: number;
    lastAt: number;
    lastJobId: number;
  }[],
  limit: number,
): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const row of rows) {
    const diagnostic = diagnosticPattern(row.diag);
    const key = JSON.stringify([row.errorName, row.errorCode, diagnostic]);
    const group = groups.get(key);
    if (!group) {
      groups.set(key, {
        errorName: row.errorName,
        errorCode: row.errorCode,
        diagnostic,
        count: row.count,
        lastAt: row.lastAt,
        lastJobId: row.lastJobId,
        example: row.diag ?? '',
      });
      continue;
    }
    group.count += row.count;
    if (row.lastAt > group.lastAt || (row.lastAt === group.lastAt && row.lastJobId > group.lastJobId)) {
      group.lastAt = row.lastAt;
      group.lastJobId = row.lastJobId;
      group.example = row.diag ?? '';
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || b.lastAt - a.lastAt).slice(0, limit);
}

/** Jobs waiting and running for one job type and requested site (null: any site). */
export interface QueueDepthRow {
  jobtype: string;
  site: string | null;
  defined: number;
  dispatched: number;
  running: number;
}
