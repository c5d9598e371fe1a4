// Pure decisions the pilot takes between jobs: may it claim another one?

export interface PilotBudget {
  /** Claim cycles allowed, 0 = unlimited (P3S `-c`). */
  cycles: number;
  cyclesUsed: number;
  /** Lifetime in seconds, 0 = unlimited. */
  lifetime: number;
  /** Stop taking jobs when less than this many seconds of lifetime remain (PanDA's timefloor). */
  timefloor: number;
  startedAt: number;
  now: number;
  stopping: boolean;
  /** Exit after this many seconds without a job, 0 = never (pilots of a batch system free their slot). */
  idleExit: number;
  /** Since when the pilot has had no job (its start, or its last job's end). */
  idleSince: number;
}

export type ClaimDecision =
  | { claim: true }
  | { claim: false; reason: 'stopping' | 'cycles' | 'lifetime' | 'timefloor' | 'idle' };

export function shouldClaim(b: PilotBudget): ClaimDecision {
  if (b.stopping) return { claim: false, reason: 'stopping' };
  if (b.cycles > 0 && b.cyclesUsed >= b.cycles) return { claim: false, reason: 'cycles' };
  if (b.lifetime > 0) {
    const remaining = b.lifetime - (b.now - b.startedAt) / 1000;
    if (remaining <= 0) return { claim: false, reason: 'lifetime' };
    if (remaining < b.timefloor) return { claim: false, reason: 'timefloor' };
  }
  if (b.idleExit > 0 && b.now - b.idleSince >= b.idleExit * 1000) return { claim: false, reason: 'idle' };
  return { claim: true };
}

/** Delay before the n-th retry of a report to an unreachable server: exponential, capped, with jitter. */
export function backoffDelay(attempt: number, baseMs = 250, maxMs = 10_000, random = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(exp / 2 + random() * (exp / 2));
}
