// The pilot protocol: claim (long-poll), start, heartbeat (+logs, kill command), finish (+logs).
// A pilot may only report on a job it holds (same pilot, same attempt, lease alive), and only the
// token that registered a pilot (or an admin's) may speak for it.

import { Type } from 'typebox';
import type { LogCaps } from '../../core/capped-log.ts';
import { TooManyRequestsError, ValidationError } from '../../core/errors.ts';
import type { LogStream, Pilot } from '../../core/types.ts';
import { ROUTES } from '../../protocol/routes.ts';
import { IdParams, UuidParams } from '../../protocol/schemas/common.ts';
import {
  ClaimBody,
  ClaimReply,
  type ClaimReply as ClaimReplyWire,
  ClaimsBody,
  ClaimsReply,
  FinishJobBody,
  FinishJobReply,
  type FinishJobReply as FinishJobReplyWire,
  HeartbeatBody,
  JobCommandReply,
  type LogChunks,
  StartJobBody,
} from '../../protocol/schemas/pilots.ts';
import type { ClaimedJob, Store } from '../../store/store.ts';
import type { AppContext, TypedApp } from '../app.ts';
import { principalOf } from '../auth/auth-guard.ts';
import { hangUpOf } from '../long-poll.ts';
import type { AppMetrics } from '../metrics/app-metrics.ts';
import { ClaimSlots } from './claim-slots.ts';
import { requireOwnPilot } from './pilots.ts';

const PilotUuidParams = Type.Object({ id: UuidParams.properties.uuid }, { additionalProperties: false });
/** Re-check for claimable jobs at least this often while long-polling (a safety net for missed wake-ups). */
const CLAIM_RECHECK_MS = 1000;

export function registerPilotProtocolRoutes(app: TypedApp, ctx: AppContext): void {
  const { store, config, waiter } = ctx;
  // Prometheus metrics (server/metrics); `metrics` in the bodies below are the payload's CPU and RSS.
  const meter = ctx.metrics;
  const leaseMs = (beat: number) => leaseMsFor(config.leaseSeconds, beat);
  const slots = new ClaimSlots(config.maxClaimsPerToken);
  const recheckMs = config.claimRecheckMs ?? CLAIM_RECHECK_MS;

  app.post(
    ROUTES.pilotClaim,
    { schema: { params: PilotUuidParams, body: ClaimBody, response: { 200: ClaimReply } } },
    async (request, reply) => {
      const uuid = request.params.id;
      await requireOwnPilot(ctx, request, uuid);
      const tokenId = principalOf(request).tokenId;
      const refused = slots.acquire(uuid, tokenId);
      if (refused) throw new TooManyRequestsError(refused, 1);
      try {
        return await claim(uuid, request.body, hangUpOf(reply));
      } finally {
        slots.release(uuid, tokenId);
      }
    },
  );

  // Several pilots' claims in one long-poll: each is the claim above, with its pilot's rules; the
  // first to be answered (a job, a command, its own wait over, a hold, an error) ends the others'
  // waits, so all answers go back together and no claim outlives the request.
  app.post(
    ROUTES.pilotClaims,
    { schema: { body: ClaimsBody, response: { 200: ClaimsReply } } },
    async (request, reply) => {
      const { claims } = request.body;
      const uuids = claims.map((c) => c.pilot);
      const twice = uuids.find((uuid, i) => uuids.indexOf(uuid) !== i);
      if (twice !== undefined)
        throw new ValidationError(`claims: pilot ${twice} appears twice; a pilot claims one job at a time`);
      for (const uuid of uuids) await requireOwnPilot(ctx, request, uuid);
      const tokenId = principalOf(request).tokenId;
      const acquired: string[] = [];
      try {
        for (const uuid of uuids) {
          const refused = slots.acquire(uuid, tokenId);
          if (refused) throw new TooManyRequestsError(refused, 1);
          acquired.push(uuid);
        }
        const answered = new AbortController();
        const ended = AbortSignal.any([hangUpOf(reply), answered.signal]);
        const settled = await Promise.allSettled(
          claims.map(({ pilot, ...body }) => claim(pilot, body, ended).finally(() => answered.abort())),
        );
        // A failed claim fails the request: the pilot claims again, and a job claimed meanwhile for
        // one of its slots comes back with that slot's next first poll (a claimed job is never lost).
        const failed = settled.find((s) => s.status === 'rejected');
        if (failed) throw failed.reason;
        return { answers: settled.map((s) => (s as PromiseFulfilledResult<ClaimReplyWire>).value) };
      } finally {
        for (const uuid of acquired) slots.release(uuid, tokenId);
      }
    },
  );

  /**
   * One claim long-poll: the best job as soon as there is one, or none once `wait` has passed or
   * `ended` aborts (the pilot hung up, or another claim of its batch was answered).
   */
  const claim = async (uuid: string, body: ClaimBody, ended: AbortSignal) => {
    // A pilot that takes no job now says why, and is answered at once; null: it takes jobs again.
    if (body.hold !== undefined) {
      const held = await store.holdPilot(uuid, body.hold, ctx.now());
      if (body.hold !== null) return { job: null, command: held.stopRequested ? ('stop' as const) : null };
    }
    const deadline = ctx.now() + Math.min(body.wait, config.maxClaimWaitSeconds) * 1000;
    // The first poll touches the pilot and claims in one transaction.
    const touched = await meter.timeStore('claim', () =>
      store.touchAndClaimJob(uuid, leaseMs(body.beat), ctx.now()),
    );
    const { pilot } = touched;
    const first = claimReply(touched, meter);
    if (first.job || first.command) return first;
    // A pilot that hung up (or whose batch was answered) before we looked gets nothing claimed for it.
    const match = { site: pilot.site, jobTypes: pilot.jobTypes };
    const none = () => {
      meter.claimed('none');
      return { job: null, command: null };
    };
    for (;;) {
      const remaining = deadline - ctx.now();
      if (remaining <= 0 || waiter.isClosed || ended.aborted) return none();
      await waiter.wait(Math.min(remaining, recheckMs), ended);
      if (ended.aborted) return none();
      const claimed = await meter.timeStore('claim', () =>
        store.claimJob(uuid, match, leaseMs(body.beat), ctx.now()),
      );
      if (claimed) {
        meter.claimed(claimed);
        return dispatched(claimed);
      }
    }
  };

  app.post(
    ROUTES.jobStart,
    { schema: { params: IdParams, body: StartJobBody, response: { 200: JobCommandReply } } },
    async (request) => {
      const { pilot, attempt, pid, seconds } = request.body;
      await requireOwnPilot(ctx, request, pilot);
      return meter.timeStore('start', () =>
        store.startJob({
          jobId: request.params.id,
          pilotUuid: pilot,
          attempt,
          pid,
          startedMsAgo: Math.round((seconds ?? 0) * 1000),
          metrics: null,
          leaseMs: leaseMs(0),
          now: ctx.now(),
        }),
      );
    },
  );

  app.post(
    ROUTES.jobHeartbeat,
    { schema: { params: IdParams, body: HeartbeatBody, response: { 200: JobCommandReply } } },
    async (request) => {
      const { pilot, attempt, metrics, logs } = request.body;
      const jobId = request.params.id;
      await requireOwnPilot(ctx, request, pilot);
      const reply = await meter.timeStore('heartbeat', () =>
        store.heartbeatJob({
          jobId,
          pilotUuid: pilot,
          attempt,
          metrics,
          leaseMs: leaseMs(0),
          now: ctx.now(),
        }),
      );
      meter.heartbeats.inc({ command: reply.command ?? 'none' });
      await appendLogs(ctx, jobId, attempt, logs);
      return reply;
    },
  );

  app.post(
    ROUTES.jobFinish,
    { schema: { params: IdParams, body: FinishJobBody, response: { 200: FinishJobReply } } },
    async (request) => {
      await requireOwnPilot(ctx, request, request.body.pilot);
      return meter.timeStore('finish', () =>
        answerFinish(store, request.params.id, request.body, {
          now: ctx.now(),
          caps: logCaps(ctx),
          leaseMs,
          meter,
        }),
      );
    },
  );
}

/** The lease granted for a beat period: the server's lease, or three beats when that is longer. */
export function leaseMsFor(leaseSeconds: number, beat: number): number {
  return Math.max(leaseSeconds, beat * 3) * 1000;
}

/**
 * Answers a finish report: the job's new state and, with `next` (fetch-next), the pilot's next
 * claim, which rides on the finish: one request and one transaction per job. The store checks that
 * the pilot holds the attempt and appends the report's output in the finish's transaction.
 * Exported, with leaseMsFor and claimReply, for the benchmark's in-process pilots (bench/lib/in-process-pilots.ts).
 */
export async function answerFinish(
  store: Store,
  jobId: number,
  body: FinishJobBody,
  {
    now,
    caps,
    leaseMs,
    meter,
  }: { now: number; caps: LogCaps; leaseMs: (beat: number) => number; meter?: AppMetrics },
): Promise<FinishJobReplyWire> {
  const { pilot, attempt, outcome, metrics, logs, next, started, ran } = body;
  const input = {
    jobId,
    pilotUuid: pilot,
    attempt,
    outcome,
    metrics,
    now,
    logs: logs && { chunks: decodeLogs(logs), caps },
    started: started && { pid: started.pid, msAgo: Math.round(started.seconds * 1000) },
    ran: ran && { ms: Math.round(ran.seconds * 1000), endedMsAgo: Math.round(ran.endedSecondsAgo * 1000) },
  };
  if (!next) {
    const job = await store.finishJob(input);
    meter?.ended(job);
    return { state: job.state };
  }
  const finished = await store.finishAndClaimJob(input, leaseMs(next.beat));
  meter?.ended(finished.job);
  // A fetch-next that finds nothing is not a claim's answer: the pilot long-polls next, and that counts.
  const found = finished.next.claimed !== null || finished.next.pilot.stopRequested;
  return { state: finished.job.state, next: claimReply(finished.next, found ? meter : undefined) };
}

/** The claim reply after a touch-and-claim: stop, a job, or nothing yet (counted by `meter` if given). */
export function claimReply(
  { pilot, claimed }: { pilot: Pilot; claimed: ClaimedJob | null },
  meter?: AppMetrics,
): ClaimReplyWire {
  if (pilot.stopRequested) {
    meter?.claimed('stop');
    return { job: null, command: 'stop' };
  }
  if (claimed) meter?.claimed(claimed);
  return claimed ? dispatched(claimed) : { job: null, command: null };
}

/** The claim reply for a dispatched job. */
function dispatched({ job, leaseExpiresAt }: ClaimedJob) {
  return {
    job: {
      id: job.id,
      uuid: job.uuid,
      name: job.name,
      jobtype: job.jobtype,
      payload: job.payload,
      env: job.env,
      timelimit: job.timelimit,
      ...(job.memory !== undefined && { memory: job.memory }),
      ...(job.cores !== undefined && { cores: job.cores }),
      ...(job.disk !== undefined && { disk: job.disk }),
      attempt: job.attempt,
      leaseExpiresAt,
    },
    command: null,
  };
}

const logCaps = (ctx: AppContext) => ({ headCap: ctx.config.logHeadBytes, tailCap: ctx.config.logTailBytes });

/** The non-empty chunks of a report, decoded. */
function decodeLogs(logs: LogChunks): { stream: LogStream; offset: number; data: Buffer }[] {
  const chunks = [];
  for (const stream of ['out', 'err'] as LogStream[]) {
    const chunk = logs[stream];
    if (chunk && chunk.data.length > 0)
      chunks.push({ stream, offset: chunk.offset, data: Buffer.from(chunk.data, 'base64') });
  }
  return chunks;
}

async function appendLogs(
  ctx: AppContext,
  jobId: number,
  attempt: number,
  logs: LogChunks | undefined,
): Promise<void> {
  if (!logs) return;
  for (const { stream, offset, data } of decodeLogs(logs))
    await ctx.store.appendLog(jobId, attempt, stream, offset, data, logCaps(ctx));
}
