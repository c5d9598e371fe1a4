import { describe, expect, it } from 'vitest';
import type { JobSample } from '../core/index.ts';
import { type Box, cpuSeries, memorySeries, niceCeiling, plotGeometry } from './usage-plot-geometry.ts';

const sample = (at: number, rssKb: number, cpuSeconds: number, pssKb: number | null = null): JobSample => ({
  at,
  rssKb,
  pssKb,
  cpuSeconds,
});

describe('memorySeries', () => {
  it('is RSS in MiB, with PSS only when a sample has it', () => {
    expect(memorySeries([sample(0, 1024, 0), sample(5000, 2048, 1)])).toEqual([
      {
        label: 'RSS',
        cls: 'rss',
        points: [
          { at: 0, value: 1 },
          { at: 5000, value: 2 },
        ],
      },
    ]);
    expect(memorySeries([sample(0, 1024, 0, 512), sample(5000, 2048, 1)])[1]).toEqual({
      label: 'PSS',
      cls: 'pss',
      points: [{ at: 0, value: 0.5 }],
    });
  });
});

describe('cpuSeries', () => {
  it.each<[string, JobSample[], { at: number; value: number }[]]>([
    ['no samples', [], []],
    ['one sample has no rate', [sample(0, 1, 0)], []],
    ['one core busy', [sample(0, 1, 0), sample(10_000, 1, 10)], [{ at: 10_000, value: 1 }]],
    [
      'two cores, then idle',
      [sample(0, 1, 0), sample(5000, 1, 10), sample(10_000, 1, 10)],
      [
        { at: 5000, value: 2 },
        { at: 10_000, value: 0 },
      ],
    ],
    ['a counter drop is 0, not negative', [sample(0, 1, 5), sample(5000, 1, 1)], [{ at: 5000, value: 0 }]],
    ['the same instant twice is skipped', [sample(0, 1, 0), sample(0, 1, 1)], []],
  ])('%s', (_why, samples, points) => {
    expect(cpuSeries(samples)[0]?.points).toEqual(points);
  });
});

describe('niceCeiling', () => {
  it.each([
    [0, 1],
    [-3, 1],
    [0.3, 0.5],
    [1, 1],
    [1.2, 2],
    [2.2, 2.5],
    [3, 5],
    [7, 10],
    [180, 200],
    [1000, 1000],
    [1001, 2000],
  ])('%s → %s', (max, expected) => {
    expect(niceCeiling(max)).toBeCloseTo(expected);
  });
});

describe('plotGeometry', () => {
  // A 100 × 60 plot area starting at (10, 10).
  const box: Box = { width: 120, height: 90, left: 10, right: 10, top: 10, bottom: 20 };
  it('spans time left to right and 0…yMax bottom to top', () => {
    const g = plotGeometry(
      [
        {
          label: 'RSS',
          cls: 'rss',
          points: [
            { at: 1000, value: 0 },
            { at: 3000, value: 50 },
            { at: 5000, value: 100 },
          ],
        },
      ],
      box,
    );
    expect(g).toMatchObject({ from: 1000, to: 5000, yMax: 100 });
    expect(g.series[0]?.points).toEqual([
      { x: 10, y: 70 },
      { x: 60, y: 40 },
      { x: 110, y: 10 },
    ]);
    expect(g.series[0]?.d).toBe('M10 70 L60 40 L110 10');
  });
  it('puts a single instant in the middle and rounds the top up', () => {
    const g = plotGeometry([{ label: 'RSS', cls: 'rss', points: [{ at: 7, value: 3 }] }], box);
    expect(g.yMax).toBe(5);
    expect(g.series[0]?.points).toEqual([{ x: 60, y: 34 }]);
  });
  it('shares one scale between the series', () => {
    const g = plotGeometry(
      [
        {
          label: 'RSS',
          cls: 'rss',
          points: [
            { at: 0, value: 200 },
            { at: 10, value: 200 },
          ],
        },
        {
          label: 'PSS',
          cls: 'pss',
          points: [
            { at: 0, value: 100 },
            { at: 10, value: 100 },
          ],
        },
      ],
      box,
    );
    expect(g.series.map((s) => s.d)).toEqual(['M10 10 L110 10', 'M10 40 L110 40']);
  });
});
