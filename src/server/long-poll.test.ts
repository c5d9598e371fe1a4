import { describe, expect, it } from 'vitest';
import { fullBudget, LOOK_BURST, LOOK_GAP_MS, type LookBudget, takeLook } from './long-poll.ts';

/** The delays of looks wanted at `times`, each taken as soon as the budget allows. */
function delays(times: number[]): number[] {
  let budget: LookBudget = fullBudget(0);
  return times.map((t) => {
    const next = takeLook(budget, t);
    budget = next.budget;
    return next.delay;
  });
}

describe('takeLook', () => {
  it.each([
    ['one look', [0], [0]],
    ['a claim then a finish 2 ms later', [0, 2], [0, 0]],
    ['a burst of LOOK_BURST back to back', [0, 0, 0], [0, 0, 0]],
    ['one more waits for a token to come back', [0, 0, 0, 0], [0, 0, 0, LOOK_GAP_MS]],
    ['after a quiet spell the burst is back', [0, 0, 0, 1000, 1000, 1000], [0, 0, 0, 0, 0, 0]],
    ['a token partly back: the rest of a gap', [0, 0, 0, 5], [0, 0, 0, LOOK_GAP_MS - 5]],
  ] as const)('%s', (_name, times, expected) => {
    expect(delays([...times])).toEqual(expected);
  });

  it('spaces the looks of a storm evenly, one per gap, once the burst is spent', () => {
    let budget = fullBudget(0);
    let now = 0;
    const at: number[] = [];
    for (let i = 0; i < 100; i++) {
      const next = takeLook(budget, now);
      budget = next.budget;
      now += next.delay;
      at.push(now);
    }
    const gaps = at.slice(LOOK_BURST).map((t, i) => t - (at[i + LOOK_BURST - 1] as number));
    expect(Math.max(...gaps)).toBeCloseTo(LOOK_GAP_MS, 6);
    expect(Math.min(...gaps)).toBeCloseTo(LOOK_GAP_MS, 6);
  });
});
