import { describe, expect, it } from 'vitest';
import { buildTimeline, diagnosticPattern, mergeFailureGroups, windowBuckets } from './stats.ts';

describe('windowBuckets', () => {
  it('aligns buckets so that the last one holds now', () => {
    const now = 10 * 60_000 + 30_000;
    const w = windowBuckets('hour', now);
    expect(w).toEqual({ from: 11 * 60_000 - 3600_000, to: 11 * 60_000, bucketMs: 60_000, count: 60 });
    expect(now).toBeGreaterThanOrEqual(w.to - w.bucketMs);
    expect(windowBuckets('day', now).count).toBe(96);
    expect(windowBuckets('week', now).count).toBe(168);
  });
});

describe('buildTimeline', () => {
  it('rebuilds running jobs and live pilots backwards from the live counts', () => {
    const now = 60 * 60_000 + 1;
    // Bucket 58: two jobs started, one pilot registered; bucket 59: one job ended (finished).
    const t = buildTimeline(
      'hour',
      now,
      [
        { bucket: 58, finished: 0, failed: 0, runStarts: 2, runEnds: 0, pilotStarts: 1, pilotEnds: 0 },
        { bucket: 59, finished: 1, failed: 0, runStarts: 0, runEnds: 1, pilotStarts: 0, pilotEnds: 0 },
      ],
      { running: 1, pilots: 1 },
    );
    expect(t.points).toHaveLength(60);
    expect(t.points.at(-1)).toMatchObject({ finished: 1, running: 1, pilots: 1 });
    expect(t.points.at(-2)).toMatchObject({ finished: 0, running: 2, pilots: 1 });
    expect(t.points.at(-3)).toMatchObject({ running: 0, pilots: 0 });
    expect(t.points[0]?.at).toBe(t.from);
  });
});

describe('diagnosticPattern', () => {
  it.each([
    ['payload exited with status 3', 'payload exited with status 3'],
    [
      'pilot 0b9c1f0e-9a7e-4d55-8a4c-1f2e3d4c5b6a on node1 stopped heartbeating: its lease expired at 2026-11-21T20:10:15.853Z',
      'pilot <uuid> on node1 stopped heartbeating: its lease expired at <time>',
    ],
    ['pilot 12 deregistered while holding job 7', 'pilot <n> deregistered while holding job <n>'],
    [null, ''],
  ])('%s', (diag, pattern) => {
    expect(diagnosticPattern(diag)).toBe(pattern);
  });
});

describe('mergeFailureGroups', () => {
  it('merges diagnostics with the same pattern and keeps the latest example', () => {
    const lost = (uuid: string, lastAt: number, lastJobId: number) => ({
      errorName: 'lost',
      errorCode: 1400,
      diag: `pilot ${uuid} stopped`,
      count: 1,
      lastAt,
      lastJobId,
    });
    const groups = mergeFailureGroups(
      [
        lost('0b9c1f0e-9a7e-4d55-8a4c-1f2e3d4c5b6a', 10, 1),
        lost('1b9c1f0e-9a7e-4d55-8a4c-1f2e3d4c5b6a', 20, 2),
        {
          errorName: 'exit_code',
          errorCode: 1100,
          diag: 'payload exited with status 3',
          count: 1,
          lastAt: 5,
          lastJobId: 3,
        },
      ],
      10,
    );
    expect(groups.map((g) => [g.errorName, g.count, g.lastJobId])).toEqual([
      ['lost', 2, 2],
      ['exit_code', 1, 3],
    ]);
    expect(groups[0]?.example).toContain('1b9c1f0e');
    expect(mergeFailureGroups([lost('x', 1, 1)], 0)).toEqual([]);
  });
});
