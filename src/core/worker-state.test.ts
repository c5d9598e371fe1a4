import { describe, expect, it } from 'vitest';
import {
  ACTIVE_WORKER_STATES,
  canWorkerMove,
  ENDED_WORKER_STATES,
  WORKER_STATES,
  WORKER_TRANSITIONS,
  workerStatesBefore,
} from './worker-state.ts';

describe('worker transitions', () => {
  it.each([
    ['submitted', 'running', true],
    ['submitted', 'held', true],
    ['held', 'submitted', true],
    ['running', 'submitted', true],
    ['running', 'finished', true],
    ['running', 'lost', true],
    ['finished', 'running', false],
    ['failed', 'submitted', false],
    ['cancelled', 'running', false],
    ['lost', 'finished', false],
    ['held', 'finished', false],
  ] as const)('%s → %s: %s', (from, to, allowed) => {
    expect(canWorkerMove(from, to)).toBe(allowed);
  });

  it('leaves every ended state final and reaches each of them from every active state but held→finished', () => {
    for (const [from] of WORKER_TRANSITIONS) expect(ACTIVE_WORKER_STATES).toContain(from);
    for (const end of ENDED_WORKER_STATES) expect(workerStatesBefore(end).length).toBeGreaterThan(0);
    expect([...ACTIVE_WORKER_STATES, ...ENDED_WORKER_STATES].sort()).toEqual([...WORKER_STATES].sort());
  });
});
