// Long-polling reads (`wait` in the query): the answer is held until it says something new, the
// wait is over, the caller hangs up or the server closes, and looked at again after every change
// the store signals (its own writes and, on PostgreSQL, other servers'): no client polls.

import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply } from 'fastify';
import type { Waiter } from './waiter.ts';

/** Least time between two looks of one held read: a burst of commits costs it a look per gap, not one per commit. */
const LOOK_GAP_MS = 20;

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
  for (;;) {
    // Read before looking: a change committed while we look wakes the wait at once.
    const seen = changes.generation;
    const lookedAt = Date.now();
    const value = await look();
    const left = deadline - Date.now();
    if (ready(value) || left <= 0 || changes.isClosed || hangUp.aborted) return value;
    await changes.waitAfter(seen, left, hangUp);
    const gap = lookedAt + LOOK_GAP_MS - Date.now();
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
