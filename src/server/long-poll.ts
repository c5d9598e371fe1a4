// Long-polling reads (`wait` in the query): the answer is held until it says something new, the
// wait is over, the caller hangs up or the server closes, and looked at again after every change
// the store signals (its own writes and, on PostgreSQL, other servers'): no client polls.

import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply } from 'fastify';
import { monotonicNow } from '../core/clock.ts';
import type { Waiter } from './waiter.ts';

/** A held read's looks, sustained: at most one per LOOK_GAP_MS, so a storm of commits costs it a look per gap, not one per commit. */
export const LOOK_GAP_MS = 20;
/** Looks a quiet held read may take back to back: a claim and the finish right after it are each seen at once. */
export const LOOK_BURST = 3;

/** A token bucket of looks: `tokens` (at most LOOK_BURST) as of `at` (ms); one comes back per LOOK_GAP_MS. */
export interface LookBudget {
  tokens: number;
  at: number;
}

export const fullBudget = (now: number): LookBudget => ({ tokens: LOOK_BURST, at: now });

/**
 * The wait before the next look and the budget after it: none while a token is left, else until
 * one has come back. So sparse changes are seen at once, and under a storm the looks are evenly
 * spaced, one per LOOK_GAP_MS.
 */
export function takeLook(budget: LookBudget, now: number): { delay: number; budget: LookBudget } {
  const tokens = Math.min(LOOK_BURST, budget.tokens + Math.max(0, now - budget.at) / LOOK_GAP_MS);
  const delay = tokens >= 1 ? 0 : (1 - tokens) * LOOK_GAP_MS;
  return { delay, budget: { tokens: tokens + delay / LOOK_GAP_MS - 1, at: now + delay } };
}

/**
 * A long-polling read: `look()` until `ready` says its answer is worth sending, the wait is over,
 * the caller hung up or the server closes; looked at again after every change signal. The wait
 * and the looks' spacing are timed on the monotonic clock (core/clock.ts).
 */
export async function holdUntil<T>(
  changes: Waiter,
  waitSeconds: number | undefined,
  look: () => Promise<T>,
  ready: (value: T) => boolean,
  hangUp: AbortSignal,
): Promise<T> {
  const deadline = monotonicNow() + (waitSeconds ?? 0) * 1000;
  let budget = fullBudget(monotonicNow());
  for (;;) {
    const next = takeLook(budget, monotonicNow());
    budget = next.budget;
    if (next.delay > 0 && !changes.isClosed)
      await sleep(next.delay, undefined, { signal: hangUp }).catch(() => undefined);
    // Read before looking: a change committed while we look wakes the wait at once.
    const seen = changes.generation;
    const value = await look();
    const left = deadline - monotonicNow();
    if (ready(value) || left <= 0 || changes.isClosed || hangUp.aborted) return value;
    await changes.waitAfter(seen, left, hangUp);
  }
}

/** Aborts when the caller hangs up before the answer is sent (the response's close, not the request's). */
export function hangUpOf(reply: FastifyReply): AbortSignal {
  const gone = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) gone.abort();
  });
  return gone.signal;
}
