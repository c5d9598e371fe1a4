// setTimeout for delays past Node's limit (2^31-1 ms, ~24.8 days): a longer delay would fire at
// once, and job time limits may be years long.

import { monotonicNow } from '../core/clock.ts';

const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Calls `fn` once `now()` has advanced `ms` (any length); returns a function that cancels it.
 * Node may fire a timer a millisecond before the clock gets there, and a time limit is never cut
 * short, so an early call waits out the rest.
 */
export function setLongTimeout(fn: () => void, ms: number, now = monotonicNow): () => void {
  const due = now() + Math.max(0, ms);
  let timer: NodeJS.Timeout;
  const arm = () => {
    const left = Math.max(0, due - now());
    timer = setTimeout(() => (now() >= due ? fn() : arm()), Math.min(left, MAX_DELAY_MS));
  };
  arm();
  return () => clearTimeout(timer);
}
