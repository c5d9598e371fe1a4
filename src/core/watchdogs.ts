// Watchdogs for what sits too long: when a job waiting `defined` for its site has waited past the
// site's queue limit. The store's query picks candidates with the same rule in SQL; this is the rule.

/** When a job defined at `definedAt` (epoch ms) stops waiting under a limit of `limitSeconds`; null: never. */
export function queueDeadline(definedAt: number | null, limitSeconds: number | null): number | null {
  if (definedAt === null || limitSeconds === null) return null;
  return definedAt + limitSeconds * 1000;
}

/** Whether the job has waited past its site's limit by `now` (strictly: at the deadline it may still be taken). */
export function queueTimedOut(definedAt: number | null, limitSeconds: number | null, now: number): boolean {
  const deadline = queueDeadline(definedAt, limitSeconds);
  return deadline !== null && now > deadline;
}

/**
 * Whether a job dispatched at `dispatchedAt` and still not started has been held too long: its
 * pilot claimed it but never reported a start (hung, or lost the reply), so others may take it.
 */
export function dispatchStale(dispatchedAt: number | null, timeoutMs: number, now: number): boolean {
  return dispatchedAt !== null && now - dispatchedAt > timeoutMs;
}

/** The failure's diagnostic: what the limit was and how long the job waited. */
export function queueTimeoutDiag(site: string, limitSeconds: number, definedAt: number, now: number): string {
  const waited = Math.round((now - definedAt) / 1000);
  return `waited ${waited}s defined for site ${site}, past its queuelimit of ${limitSeconds}s; no pilot took it`;
}
