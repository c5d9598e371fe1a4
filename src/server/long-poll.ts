// Long-polling reads (`wait` in the query): the answer is held until it says something new, the
// wait is over, the caller hangs up or the server closes, and looked at again after every change
// the store signals (its own writes and, on PostgreSQL, other servers'): no client polls.

import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply } from 'fastify';
import type { Waiter } from './waiter.ts';

/** One held read looks at most LOOK_BURST times in any LOOK_BURST × LOOK_GAP_MS: a storm of commits costs it a look per gap, not one per commit. */
export const LOOK_GAP_MS = 20;
/** Looks one held read may take back to back: a claim and the finish right after it are each seen at once. */
export const LOOK_BURST = 3;

/**
 * How long to wait before the next look, given the times of the earlier looks (oldest first): none
 * while fewer than LOOK_BURST looks fell in the last LOOK_BURST × LOOK_GAP_MS, else until the
 * oldest of those leaves that window. So sparse changes are seen at once and a sustained storm
 * averages one look per LOOK_GAP_MS.
 */
export function lookDelay(lookedAt: readonly number[], now: number): number {
  const oldest = lookedAt[lookedAt.length - LOOK_BURST];
  if (oldest === undefined) return 0;
  return Math.max(0, oldest + LOOK_BURST * LOOK_GAP_MS - now);
}

/**
 * A long-polling read: `look()` until `ready` says its answer is worth sending, the wait is over,
 * the caller hung up or the server closes; looked at again after every change signal.
 */
export async function holdUntil<T>(
  changes: Waiter,
  waitSeconds: number | undefined,
  look: () => Promise<T>,
  ready: (value: T) => boolean,
  hangUp: AbortSignal,
): Promise<T> {
  const deadline = Date.now() + (waitSeconds ?? 0) * 1000;
  const lookedAt: number[] = [];
  for (;;) {
    // Read before looking: a change committed while we look wakes the wait at once.
    const seen = changes.generation;
    lookedAt.push(Date.now());
    if (lookedAt.length > LOOK_BURST) lookedAt.shift();
    const value = await look();
    const left = deadline - Date.now();
    if (ready(value) || left <= 0 || changes.isClosed || hangUp.aborted) return value;
    await changes.waitAfter(seen, left, hangUp);
    const gap = lookDelay(lookedAt, Date.now());
    if (gap > 0 && !changes.isClosed) await sleep(gap, undefined, { signal: hangUp }).catch(() => undefined);
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
