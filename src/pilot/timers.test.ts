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

  it('waits out the rest when its timer fires before its clock reaches the due time', () => {
    vi.useFakeTimers();
    try {
      // A clock that lags the timers by 5 ms, as Node's loop time can.
      let lag = 0;
      const now = () => Date.now() - lag;
      let fired = false;
      setLongTimeout(() => (fired = true), 2000, now);
      lag = 5;
      vi.advanceTimersByTime(2000);
      expect(fired).toBe(false);
      vi.advanceTimersByTime(5);
      expect(fired).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('is not moved by a step of the wall clock', async () => {
    const realNow = Date.now;
    let fired = 0;
    setLongTimeout(() => fired++, 30);
    // NTP steps the clock an hour back while the timer runs: it still fires on time.
    Date.now = () => realNow() - 3_600_000;
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      Date.now = realNow;
    }
    expect(fired).toBe(1);
  });
});
