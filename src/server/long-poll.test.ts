import { describe, expect, it } from 'vitest';
import { LOOK_BURST, LOOK_GAP_MS, lookDelay } from './long-poll.ts';

describe('lookDelay', () => {
  const window = LOOK_BURST * LOOK_GAP_MS;
  it.each([
    ['no look yet', [], 1000, 0],
    ['one look just now', [1000], 1000, 0],
    ['a claim then a finish 2 ms later', [1000, 1002], 1002, 0],
    ['a full burst inside the window waits for its oldest to leave it', [1000, 1002, 1004], 1004, window - 4],
    ['a full burst whose oldest has left the window', [1000, 1030, 1050], 1000 + window, 0],
    ['a full burst, part of the window gone', [1000, 1010, 1020], 1030, window - 30],
    ['only the last LOOK_BURST looks count', [0, 1000, 1002, 1004], 1004, window - 4],
  ] as const)('%s', (_name, looks, now, delay) => {
    expect(lookDelay(looks, now)).toBe(delay);
  });

  it('averages one look per gap in a sustained storm', () => {
    const looks: number[] = [];
    let now = 0;
    for (let i = 0; i < 100; i++) {
      now += lookDelay(looks.slice(-LOOK_BURST), now);
      looks.push(now);
    }
    expect(now).toBeGreaterThanOrEqual((100 - LOOK_BURST) * LOOK_GAP_MS);
    expect(now).toBeLessThanOrEqual(100 * LOOK_GAP_MS);
  });
});
