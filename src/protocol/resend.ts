// When a creating POST (a job submission, a workflow) is sent again with its idempotency key: only
// when its outcome is unknown. A 503 store_unavailable is unknown too: the database may have
// committed before the connection that was to confirm it died. A refused connection sent nothing.

/** What a failed creating POST tells of its outcome. */
export type SubmitOutcome = 'unknown' | 'not_sent' | 'answered';

/** Socket codes that mean the request never reached a server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Classifies a failure: the status of an answer, or the socket `code` of no answer. */
export function submitOutcome(
  failure:
    | { kind: 'answer'; status: number }
    | { kind: 'no_answer'; code: string | undefined; certificate: boolean },
): SubmitOutcome {
  if (failure.kind === 'answer') return failure.status === 503 ? 'unknown' : 'answered';
  if (failure.certificate || (failure.code !== undefined && NOT_SENT_CODES.has(failure.code)))
    return 'not_sent';
  return 'unknown';
}

/** The wait before re-send `n` (0-based): 250 ms doubling to 2 s. */
export function resendDelayMs(n: number): number {
  return Math.min(2000, 250 * 2 ** n);
}

/** How long a client goes on re-sending a submission whose outcome is unknown, by default. */
export const DEFAULT_RESEND_WINDOW_MS = 30_000;
