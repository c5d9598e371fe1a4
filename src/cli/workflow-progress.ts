// What `p3s workflow watch` draws: a progress bar over a workflow's jobs by state and a one-line
// summary of the counts (pure, so it is table-tested).

import { ENDED_WORKFLOW_STATES } from '../core/dag/readiness.ts';
import { isTerminalJobState, JOB_STATES, type JobState } from '../core/job-state.ts';

export type Counts = Record<string, number>;

export { ENDED_WORKFLOW_STATES };

/** Bar cells per job state: done, broken, on a pilot, claimable, waiting for parents. */
const CELL: Record<JobState, string> = {
  finished: '#',
  failed: '!',
  cancelled: 'x',
  running: '>',
  dispatched: '>',
  defined: '-',
  template: '.',
};
const ORDER = Object.keys(CELL) as JobState[];

/** `[####!>>-....]`: `width` cells shared out by state in proportion (largest remainders), done first. */
export function progressBar(counts: Counts, width = 30): string {
  const total = ORDER.reduce((sum, s) => sum + (counts[s] ?? 0), 0);
  if (total === 0) return `[${' '.repeat(width)}]`;
  const exact = ORDER.map((s) => ((counts[s] ?? 0) * width) / total);
  const cells = exact.map(Math.floor);
  let left = width - cells.reduce((a, b) => a + b, 0);
  const byRemainder = exact
    .map((x, i) => [x - Math.floor(x), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of byRemainder) {
    if (left === 0) break;
    cells[i] = (cells[i] as number) + 1;
    left--;
  }
  return `[${ORDER.map((s, i) => CELL[s].repeat(cells[i] as number)).join('')}]`;
}

/** `3/8 finished, 1 failed, 2 running, 2 template`: zero counts left out, the furthest along first. */
export function countsText(counts: Counts, colorState: (state: string) => string = (s) => s): string {
  const total = counts.total ?? JOB_STATES.reduce((sum, s) => sum + (counts[s] ?? 0), 0);
  const parts = [`${counts.finished ?? 0}/${total} ${colorState('finished')}`];
  const order = ['failed', 'cancelled', ...JOB_STATES.filter((s) => !isTerminalJobState(s)).reverse()];
  for (const state of order) {
    const n = counts[state];
    if (n) parts.push(`${n} ${colorState(state)}`);
  }
  return parts.join(', ');
}
