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

/** The longest wait between two tries of a report when nothing else limits it. */
export const MAX_BACKOFF_MS = 10_000;

/**
 * The longest wait between two tries of a report under a lease of `leaseSeconds`: a third of it
 * (at most MAX_BACKOFF_MS), so a pilot tries several times within every lease, and its first try
 * after a server or database outage lands well within the lease the server gave back.
 */
export function reportBackoffCapMs(leaseSeconds: number): number {
  return Math.max(100, Math.min(MAX_BACKOFF_MS, (leaseSeconds * 1000) / 3));
}

/** Delay before the n-th retry of a report to an unreachable server: exponential, capped, with jitter. */
export function backoffDelay(
  attempt: number,
  baseMs = 250,
  maxMs: number = MAX_BACKOFF_MS,
  random = Math.random,
): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** What the server knows of a lost attempt's pilot since the loss. */
export interface LostAttempt {
  /** The job's error: only `lost` attempts can have a payload left behind. */
  errorName: string | null;
  endedAt: number | null;
  pilot: {
    uuid: string;
    host: string;
    state: string;
    lastSeenAt: number;
    currentJobId: number | null;
  } | null;
  jobId: number;
}

/**
 * Whether a job's last payload may still be running somewhere: its attempt was declared lost, and
 * its pilot has not been heard from since (a pilot that talks again learns the job is gone and
 * kills the payload; a stopped pilot killed it). Then a retry runs the job beside it, and says so.
 */
export function lostPayloadWarning(attempt: LostAttempt): string | null {
  const { pilot } = attempt;
  if (attempt.errorName !== 'lost' || pilot === null) return null;
  if (pilot.state === 'stopped') return null;
  const heardSince = attempt.endedAt !== null && pilot.lastSeenAt > attempt.endedAt;
  if (heardSince && pilot.currentJobId !== attempt.jobId) return null;
  return (
    `its last attempt was lost with pilot ${pilot.uuid} on ${pilot.host}, not heard from since: ` +
    'its payload may still be running there (a pilot kills it when it talks to the server again, ' +
    'after its --max-outage, or through its guardian when the pilot itself was killed)'
  );
}
