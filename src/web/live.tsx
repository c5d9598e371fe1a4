// Live regions as long-polls: a region's URL carries the version of what it shows (`seen`: that of
// the answers its page read from the API) and how long to wait for a change (`wait`); the server
// holds that request until the page reads differently (looked at again after every change the
// store signals) or the wait is over. The
// answer's region asks again once swapped in (after a short pause), so no region polls on a timer.

import { createContext } from 'preact';
import { ApiError } from '../protocol/errors.ts';
import { versionOf } from '../protocol/version.ts';
import type { MonitorApi } from './monitor-api.ts';
import { int, one, type RawQuery } from './page.ts';

/** Longest the server holds a live region's request, in seconds; the answer asks again at once. */
export const LIVE_WAIT_SECONDS = 25;
/** Least time between two looks at one held region: a burst of commits costs a render a second. */
export const LOOK_GAP_MS = 1000;

/** What rendering a page tells its live regions: the wait to ask for and the version they show. */
export interface LiveRender {
  /** The `wait` a region's URL asks for. */
  waitSeconds: number;
  /** The version of what the page read (readsVersion); absent: the region asks for a fresh one. */
  version?: string;
}

export const LiveRenderContext = createContext<LiveRender>({ waitSeconds: LIVE_WAIT_SECONDS });

/** What a page read, in the order it asked: each operation with its answer (or its failure). */
export type Reads = unknown[];

/**
 * The API as a page reads it, noting every answer in `reads`: a page shows only what it read, so
 * the version of its reads changes exactly when its regions may look different.
 */
export function recordingApi(api: MonitorApi, reads: Reads): MonitorApi {
  return new Proxy(api, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      return (...args: unknown[]) => {
        // The slot is taken when asked, so reads made together (Promise.all) keep their order.
        const slot = reads.push(key) - 1;
        const answer = Promise.resolve(value.apply(target, args));
        answer.then(
          (result) => {
            reads[slot] = [key, withoutClock(key, result)];
          },
          (error: unknown) => {
            reads[slot] = [key, 'failed', error instanceof ApiError ? error.status : String(error)];
          },
        );
        return answer;
      };
    },
  });
}

type Answer = Record<string, unknown>;
/**
 * Parts of answers that follow the clock, not the store (the server's time, a window ending now,
 * sentences saying how long ago): left out of the version, or a region would differ at every look.
 */
const CLOCK_PARTS: Record<string, (answer: Answer) => unknown> = {
  health: ({ now: _now, ...rest }) => rest,
  statsTimeline: ({ now: _now, from: _from, to: _to, ...rest }) => rest,
  statsFailures: ({ since: _since, ...rest }) => rest,
  jobWhy: (why) => ({
    ...why,
    reasons: (why.reasons as Answer[]).map(({ message: _message, ...reason }) => reason),
  }),
  siteProvisioning: ({ provisioning, ...rest }) => {
    const { decision, ...state } = provisioning as Answer;
    const { detail: _detail, ...fixed } = decision as Answer;
    return { ...rest, provisioning: { ...state, decision: fixed } };
  },
};

function withoutClock(key: string, answer: unknown): unknown {
  const strip = CLOCK_PARTS[key];
  return strip && typeof answer === 'object' && answer !== null ? strip(answer as Answer) : answer;
}

/** The version of a page's reads: equal for equal answers. */
export function readsVersion(reads: Reads): string {
  return versionOf(reads);
}

/** A region's own URL asking to be held until what it shows differs from `seen` (no version: at once). */
export function liveUrl(url: string, live: LiveRender): string {
  if (live.version === undefined) return url;
  return `${url}${url.includes('?') ? '&' : '?'}wait=${live.waitSeconds}&seen=${live.version}`;
}

/** What a held request asks for: the version its region shows, and how long it may wait. */
export interface LiveAsk {
  seen: string;
  waitSeconds: number;
}

/**
 * A request a live region sent (htmx, naming its target, with `seen` and a positive `wait`), its
 * wait capped at `maxWait`; undefined for anything else, e.g. a first page load: never held.
 */
export function liveAsk(
  query: RawQuery,
  target: string | null,
  htmx: boolean,
  maxWait: number,
): LiveAsk | undefined {
  const seen = one(query, 'seen');
  const wait = Math.min(int(query, 'wait') ?? 0, maxWait);
  if (!htmx || target === null || seen === undefined || seen.length > 64 || wait <= 0) return undefined;
  return { seen, waitSeconds: wait };
}

/** `look` that, after its first call, waits until `gapMs` have passed since the previous one began. */
export function spaced<T>(look: () => Promise<T>, gapMs: number, now = Date.now): () => Promise<T> {
  let last: number | undefined;
  return async () => {
    const rest = last === undefined ? 0 : last + gapMs - now();
    if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
    last = now();
    return look();
  };
}
