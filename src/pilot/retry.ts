// Riding out server outages: which errors are worth retrying, how long the server has been
// unreachable, and a retry loop with backoff that gives up once the outage limit has passed.

import { monotonicNow } from '../core/clock.ts';
import { backoffDelay, MAX_BACKOFF_MS } from '../core/pilot-decisions.ts';
import { ApiError, NetworkError } from '../protocol/client.ts';

/** No answer, an answer from a server that is failing or restarting (5xx), or "too many" (429): try again later. */
export function isTransient(error: unknown): boolean {
  return (
    error instanceof NetworkError ||
    (error instanceof ApiError && (error.status >= 500 || error.status === 429))
  );
}

/** One line for the pilot's log: report failures are expected, their stacks are noise. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** The server has been unreachable for longer than the pilot's limit. */
export class OutageError extends Error {
  constructor(
    readonly seconds: number,
    options: { cause: unknown },
  ) {
    super(`the server has been unreachable for ${seconds.toFixed(1)} s`, options);
    this.name = 'OutageError';
  }
}

/** How long the server has been unreachable: the clock starts at the first failure since the last success. */
export class Outage {
  private since: number | null = null;
  /** The longest wait between two tries of a report (set from the server's lease once registered). */
  maxDelayMs: number = MAX_BACKOFF_MS;

  constructor(
    /** Limit in seconds. */
    readonly limit: number,
    private readonly now: () => number = monotonicNow,
  ) {}

  failed(): void {
    this.since ??= this.now();
  }
  ok(): void {
    this.since = null;
  }
  seconds(): number {
    return this.since === null ? 0 : (this.now() - this.since) / 1000;
  }
  exceeded(): boolean {
    return this.since !== null && this.seconds() > this.limit;
  }
}

export interface RetryOptions {
  outage: Outage;
  /** Called before each wait, e.g. to log. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Stop retrying (rethrow the last error) once this is aborted; it also cuts a wait short. */
  interrupt?: AbortSignal;
}

/**
 * Calls `fn` until the server answers. Transient failures are retried with backoff while the
 * outage lasts at most `outage.limit` s, then an OutageError is thrown; once the limit has
 * already passed, `fn` gets exactly one try. Other errors are rethrown at once.
 */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await fn();
      options.outage.ok();
      return result;
    } catch (error) {
      if (!isTransient(error)) throw error;
      options.outage.failed();
      if (options.outage.exceeded()) throw new OutageError(options.outage.seconds(), { cause: error });
      if (options.interrupt?.aborted) throw error;
      const delay = backoffDelay(attempt, undefined, options.outage.maxDelayMs);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay, options.interrupt);
    }
  }
}

/** Resolves after `ms`, or as soon as `signal` is aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}
