import { describe, expect, it } from 'vitest';
import { foldLabels, keptLabelValues, OTHER_LABEL } from './metrics.ts';

type Row = { site: string; count: number };
const rows: Row[] = [
  { site: 'cern', count: 5 },
  { site: 'fnal', count: 3 },
  { site: 'bnl', count: 3 },
  { site: 'cern', count: 1 },
  { site: 'ral', count: 1 },
];

describe('keptLabelValues', () => {
  it.each([
    [1, ['cern']],
    [2, ['bnl', 'cern']], // bnl and fnal tie at 3: by name
    [3, ['bnl', 'cern', 'fnal']],
    [10, ['bnl', 'cern', 'fnal', 'ral']],
  ])('keeps the %i largest totals', (max, kept) => {
    expect([...keptLabelValues(rows, (r) => r.site, max)].sort()).toEqual(kept);
  });
});

describe('foldLabels', () => {
  it('reports dropped values as _other and merges rows that end up with the same labels', () => {
    const kept = { site: keptLabelValues(rows, (r) => r.site, 2) };
    const folded = foldLabels(
      rows,
      (r) => ({ site: r.site }),
      kept,
      (a, b) => ({ ...a, count: a.count + b.count }),
    );
    expect(folded.map(({ labels, row }) => [labels.site, row.count])).toEqual([
      ['cern', 6],
      [OTHER_LABEL, 4], // fnal 3 and ral 1
      ['bnl', 3],
    ]);
  });

  it('never reports more series than the kept values allow, whatever the number of names', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ({
      site: `site-${i}`,
      jobtype: `t${i % 7}`,
      count: 1,
    }));
    const kept = {
      site: keptLabelValues(many, (r) => r.site, 50),
      jobtype: keptLabelValues(many, (r) => r.jobtype, 50),
    };
    const folded = foldLabels(
      many,
      (r) => ({ site: r.site, jobtype: r.jobtype }),
      kept,
      (a, b) => ({
        ...a,
        count: a.count + b.count,
      }),
    );
    expect(folded.length).toBeLessThanOrEqual(51 * 7);
    expect(folded.reduce((n, { row }) => n + row.count, 0)).toBe(10_000);
  });
});
