import { describe, expect, it, vi } from 'vitest';
import { setLongTimeout } from './timers.ts';

describe('setLongTimeout', () => {
  it('fires after a short delay and can be cancelled', async () => {
    let fired = 0;
    setLongTimeout(() => fired++, 20);
    const cancel = setLongTimeout(() => fired++, 20);
    cancel();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(fired).toBe(1);
  });

  it('does not fire early for delays past the 32-bit timer limit', () => {
    vi.useFakeTimers();
    try {
      let fired = false;
      setLongTimeout(() => (fired = true), 10 * 365 * 86_400_000);
      vi.advanceTimersByTime(2 ** 31 + 1000);
      expect(fired).toBe(false);
      vi.advanceTimersByTime(10 * 365 * 86_400_000);
      expect(fired).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('waits out the rest when its timer fires before the wall clock reaches the due time', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    try {
      let fired = false;
      setLongTimeout(() => (fired = true), 2000);
      // The wall clock lags the timer by 5 ms, as Node's loop time can.
      vi.setSystemTime(1_000_000 - 5);
      vi.advanceTimersByTime(2000);
      expect(fired).toBe(false);
      vi.advanceTimersByTime(5);
      expect(fired).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
