// The one rule for extending leases after the server or its database was unavailable (a restart,
// a database outage): pilots that could not report meanwhile must not be declared lost for it.

/** How leases are extended: by the outage's length, and to at least `until`. */
export interface LeaseGrace {
  /** Every active lease lasts at least until then (now + one lease period). */
  until: number;
  /** Every active lease is pushed back by this much: how long the store could not be used (0 after a restart). */
  extendByMs: number;
}

/**
 * The new expiry of an active job's lease. A lease that the outage ate into gets the outage back,
 * and every lease gets at least one full period from now, so each pilot has a whole lease to
 * reach the server again, whatever its retries' backoff had grown to.
 */
export function gracedLease(expiresAt: number | null, grace: LeaseGrace): number {
  if (expiresAt === null) return grace.until;
  return Math.max(expiresAt + grace.extendByMs, grace.until);
}
