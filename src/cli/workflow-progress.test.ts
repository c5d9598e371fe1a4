import { describe, expect, it } from 'vitest';
import { countsText, progressBar } from './workflow-progress.ts';

describe('progressBar', () => {
  it.each<[Record<string, number>, number, string]>([
    [{ template: 5 }, 10, '[..........]'],
    [{ finished: 5 }, 10, '[##########]'],
    [{ finished: 1, running: 1, template: 2 }, 8, '[##>>....]'],
    [{ finished: 1, failed: 1, cancelled: 1 }, 10, '[####!!!xxx]'],
    [{ finished: 2, defined: 1 }, 10, '[#######---]'],
    [{}, 4, '[    ]'],
  ])('%j in %i cells is %s', (counts, width, bar) => {
    expect(progressBar(counts, width)).toBe(bar);
    expect(bar.length).toBe(width + 2);
  });
});

describe('countsText', () => {
  it.each<[Record<string, number>, string]>([
    [{ total: 5, finished: 1, defined: 3, template: 1 }, '1/5 finished, 3 defined, 1 template'],
    [{ total: 4, finished: 2, failed: 1, cancelled: 1 }, '2/4 finished, 1 failed, 1 cancelled'],
    [
      { total: 3, running: 1, dispatched: 1, template: 1 },
      '0/3 finished, 1 running, 1 dispatched, 1 template',
    ],
  ])('%j → %s', (counts, text) => {
    expect(countsText(counts)).toBe(text);
  });
});
