// One claimed job, end to end: run the payload, tell the server it started, heartbeat with
// metrics and log bytes, obey `kill`, and deliver the final report through server outages.

import type { Logger } from 'pino';
import { monotonicNow } from '../core/clock.ts';
import { resolveOutcome } from '../core/outcome.ts';
import { backoffDelay } from '../core/pilot-decisions.ts';
import type { JobMetrics, JobOutcome } from '../core/types.ts';
import { ApiError, type P3sClient } from '../protocol/client.ts';
import type {
  ClaimReply,
  DispatchedJob,
  FinishJobBody,
  HeartbeatBody,
  PilotConfig,
} from '../protocol/schemas/pilots.ts';
import type { PayloadContainment } from './containment.ts';
import { describeShortage, diskShortage, pilotDirs } from './disk-space.ts';
import { LogShipper } from './log-shipper.ts';
import { jobLimits, type PilotResources } from './node-resources.ts';
import type { PilotOptions } from './options.ts';
import { errorText, isTransient, type Outage, OutageError, sleep, withRetry } from './retry.ts';
import { jobLogPaths, type KillReason, type RunResult, runPayload } from './runner.ts';
import { setLongTimeout } from './timers.ts';

/** What a job session needs from its pilot. */
export interface SessionContext {
  client: P3sClient;
  options: PilotOptions;
  uuid: string;
  config: PilotConfig;
  outage: Outage;
  /** Aborted when the pilot is told to stop (reason: the signal name). */
  stop: AbortSignal;
  /** Aborted on a second stop signal: give up retrying reports. */
  hurry: AbortSignal;
  /** When the pilot's lifetime ends, on its monotonic clock (core/clock.ts), or null. */
  lifetimeEndsAt: number | null;
  logChunkBytes: number;
  /** Asked just before the final report: may the pilot take another job (then the report claims it)? */
  mayClaimNext: () => boolean;
  /** The pilot's cgroups and guardian, for each payload (containment.ts). */
  containment?: PayloadContainment;
  /** What the pilot offers: the limits of a job that asks for no memory or disk. */
  resources: PilotResources;
  /** The pilot's own env, under the payload's (default: process.env). */
  pilotEnv?: NodeJS.ProcessEnv;
}

/**
 * How the session ended for the pilot: go on, or stop because the server stayed unreachable;
 * `next` is the claim answer that rode on the final report, when the pilot asked for one.
 */
export interface SessionEnd {
  end: 'continue' | 'unreachable';
  next: ClaimReply | null;
}

/**
 * The start is reported this long after the payload starts: a payload that ends sooner is
 * reported once, by its finish (which carries its pid), saving a request and a transaction per
 * short job. The job shows `running` this much later; a kill sent meanwhile arrives with the start's reply.
 */
export const START_REPORT_DELAY_MS = 100;

/** Error codes meaning the job is no longer this pilot's: it must not run or be reported any more. */
/**
 * A batch system ending a job (scancel, condor_rm) signals the pilot and its payload at once; a
 * payload that died of a signal waits this long for the pilot's own stop before it is reported.
 */
export const STOP_SETTLE_MS = 1000;

const GONE_CODES = new Set(['lease_lost', 'not_found', 'invalid_transition', 'pilot_unknown']);

export class JobSession {
  private readonly kill = new AbortController();
  private readonly shipper: LogShipper;
  private metrics: () => JobMetrics | null = () => null;
  private started: Promise<void> | null = null;
  /** The payload's pid while its start is not reported yet. */
  private unreported: { pid: number; timer: NodeJS.Timeout } | null = null;
  private heartbeats: Promise<void> | null = null;
  /** The server said the job is no longer ours. */
  private gone = false;
  private unreachableFor = 0;

  constructor(
    private readonly ctx: SessionContext,
    private readonly job: DispatchedJob,
    private readonly log: Logger,
  ) {
    const caps = {
      headBytes: ctx.config.logHeadBytes,
      tailBytes: ctx.config.logTailBytes,
      chunkBytes: ctx.logChunkBytes,
    };
    this.shipper = new LogShipper(jobLogPaths(ctx.options.joblogDir, job.id), caps);
  }

  async run(): Promise<SessionEnd> {
    const { ctx, job } = this;
    const onStop = () => this.killWith('pilot_shutdown');
    ctx.stop.addEventListener('abort', onStop, { once: true });
    if (ctx.stop.aborted) onStop();
    const cancelLifetime =
      ctx.lifetimeEndsAt === null
        ? () => {}
        : setLongTimeout(() => this.killWith('pilot_lifetime'), ctx.lifetimeEndsAt - monotonicNow());
    // Made with the first start report: a payload that ends before it never needs one.
    let stopBeating: AbortController | null = null;
    let result: RunResult;
    try {
      result = await runPayload({
        jobId: job.id,
        jobUuid: job.uuid,
        attempt: job.attempt,
        pilotUuid: ctx.uuid,
        payload: job.payload,
        env: job.env,
        siteEnv: ctx.options.siteEnv,
        timelimit: job.timelimit,
        workDir: ctx.options.workDir,
        joblogDir: ctx.options.joblogDir,
        killGrace: ctx.options.killGrace,
        shell: ctx.options.shell,
        server: ctx.options.server,
        runAs: ctx.options.runAs,
        containment: ctx.containment,
        pilotEnv: ctx.pilotEnv,
        limits: jobLimits(job, ctx.resources, ctx.options),
        signal: this.kill.signal,
        onStart: (pid, metrics) => {
          this.log.info({ pid }, 'payload started');
          this.metrics = metrics;
          const spawnedAt = monotonicNow();
          const timer = setTimeout(() => {
            this.unreported = null;
            const beating = new AbortController();
            stopBeating = beating;
            this.started = this.start(pid, spawnedAt).then((ok) => {
              if (ok) this.heartbeats = this.beat(beating.signal);
            });
          }, START_REPORT_DELAY_MS);
          this.unreported = { pid, timer };
        },
      });
    } finally {
      cancelLifetime();
      ctx.stop.removeEventListener('abort', onStop);
    }
    // Ended before its start was reported: the finish reports both.
    const unreported = this.unreported;
    if (unreported) clearTimeout(unreported.timer);
    this.unreported = null;
    await this.started;
    // A reason of our own: the default reason is a DOMException, built with a stack trace.
    (stopBeating as AbortController | null)?.abort('ended');
    await this.heartbeats;
    if (this.gone) {
      this.log.warn('the server no longer assigns this job to this pilot: not reporting it');
      return { end: 'continue', next: null };
    }
    if (diedOfSignal(result) && !ctx.stop.aborted) await sleep(STOP_SETTLE_MS, ctx.stop);
    const outcome = this.blameFullDisk(this.outcome(result));
    this.log.info(
      { outcome, metrics: result.metrics, seconds: (result.endedAt - result.startedAt) / 1000 },
      'payload ended',
    );
    const started = unreported && { pid: unreported.pid, at: result.startedAt };
    // Only a payload that was spawned ran: a nonstarter has no start to date.
    const ran = result.pid === null ? null : { startedAt: result.startedAt, endedAt: result.endedAt };
    if (outcome.kind === 'server_unreachable') {
      await this.finish(outcome, result.metrics, ran, started, false);
      return { end: 'unreachable', next: null };
    }
    const claimNext = this.ctx.mayClaimNext();
    return { end: 'continue', next: await this.finish(outcome, result.metrics, ran, started, claimNext) };
  }

  private killWith(reason: KillReason): void {
    if (this.kill.signal.aborted) return;
    this.log.warn({ reason }, 'killing the payload');
    if (reason === 'server_unreachable') this.unreachableFor = this.ctx.outage.seconds();
    this.kill.abort(reason);
  }

  private body(logs: HeartbeatBody['logs'], metrics: JobMetrics | null): HeartbeatBody {
    return { pilot: this.ctx.uuid, attempt: this.job.attempt, metrics, ...(logs ? { logs } : {}) };
  }

  /**
   * Tells the server the payload runs, and since when: the report goes out a little after the
   * start, and the job's run time must count from the start itself. False when heartbeats must not follow.
   */
  private async start(pid: number, spawnedAt: number): Promise<boolean> {
    const { client, uuid } = this.ctx;
    try {
      const reply = await withRetry(
        () =>
          client.startJob(this.job.id, {
            pilot: uuid,
            attempt: this.job.attempt,
            pid,
            seconds: (monotonicNow() - spawnedAt) / 1000,
          }),
        {
          outage: this.ctx.outage,
          interrupt: this.ctx.hurry,
          onRetry: (error) => this.log.warn({ error: errorText(error) }, 'cannot report the start; retrying'),
        },
      );
      if (reply.command === 'kill') this.killWith('killed');
      return true;
    } catch (error) {
      return this.reportFailed(error, 'start');
    }
  }

  /** Heartbeats every `beat` s until aborted; after a transient failure, retries sooner with backoff. */
  private async beat(signal: AbortSignal): Promise<void> {
    const beatMs = this.ctx.options.beat * 1000;
    let failures = 0;
    while (!signal.aborted) {
      const retryMs = backoffDelay(failures - 1, undefined, this.ctx.outage.maxDelayMs);
      await sleep(failures === 0 ? beatMs : Math.min(beatMs, retryMs), signal);
      if (signal.aborted) return;
      const collected = await this.shipper.collect();
      try {
        const reply = await this.ctx.client.heartbeat(this.job.id, this.body(collected.logs, this.metrics()));
        this.ctx.outage.ok();
        this.shipper.commit();
        failures = 0;
        if (reply.command === 'kill') this.killWith('killed');
      } catch (error) {
        if (isTransient(error)) {
          this.ctx.outage.failed();
          if (this.ctx.outage.exceeded()) return this.killWith('server_unreachable');
          this.log.warn(
            { error: errorText(error), outageSeconds: this.ctx.outage.seconds() },
            'heartbeat failed; payload keeps running',
          );
          failures++;
        } else if (!this.reportFailed(error, 'heartbeat')) {
          return;
        }
      }
    }
  }

  /** Handles a report the server refused or never got; false when the payload was killed for it. */
  private reportFailed(error: unknown, what: string): boolean {
    if (error instanceof OutageError) {
      this.killWith('server_unreachable');
      return false;
    }
    if (error instanceof ApiError && GONE_CODES.has(error.code)) {
      this.log.warn({ code: error.code, message: error.message }, `${what}: the job is no longer ours`);
      this.gone = true;
      this.killWith('killed');
      return false;
    }
    // A refusal that retrying the same request cannot fix (e.g. validation): keep the payload, try the next beat.
    this.log.error({ error: errorText(error) }, `${what} refused by the server`);
    return true;
  }

  /**
   * A payload that failed while the pilot's disk was full most likely failed for it (its output
   * could not be written): say so, naming the directory, rather than blame the payload.
   */
  private blameFullDisk(outcome: JobOutcome): JobOutcome {
    const failed = (outcome.kind === 'exited' && outcome.exitCode !== 0) || outcome.kind === 'signaled';
    if (!failed) return outcome;
    const shortage = diskShortage(pilotDirs(this.ctx.options), this.ctx.options.minFreeBytes);
    if (!shortage) return outcome;
    const detail = `${resolveOutcome(outcome).diag} while ${describeShortage(shortage)}`;
    this.log.error(
      { dir: shortage.path, freeBytes: shortage.freeBytes },
      'the payload failed on a full disk',
    );
    return { kind: 'disk_full', path: shortage.path, detail: detail.slice(0, 4000) };
  }

  private outcome(result: RunResult): JobOutcome {
    // Signalled together with its stopping pilot: the pilot's shutdown ended it, not the payload.
    if (diedOfSignal(result) && this.ctx.stop.aborted)
      return { kind: 'pilot_shutdown', signal: String(this.ctx.stop.reason ?? 'SIGTERM').slice(0, 32) };
    switch (result.kind) {
      case 'exited':
        return { kind: 'exited', exitCode: result.exitCode };
      case 'signaled':
        return { kind: 'signaled', signal: result.signal };
      case 'timelimit':
        return { kind: 'timelimit', timelimit: result.timelimit };
      case 'nonstarter':
        return { kind: 'nonstarter', reason: result.reason.slice(0, 4000) };
      case 'disk_full':
        return { kind: 'disk_full', path: result.path, detail: result.detail.slice(0, 4000) };
      case 'memory_exceeded':
      case 'disk_exceeded':
      case 'looping':
        return { kind: result.kind, detail: result.detail.slice(0, 4000) };
      case 'killed':
        switch (result.reason) {
          case 'killed':
            return { kind: 'killed' };
          case 'pilot_shutdown':
            return { kind: 'pilot_shutdown', signal: String(this.ctx.stop.reason ?? 'SIGTERM').slice(0, 32) };
          case 'server_unreachable':
            return { kind: 'server_unreachable', seconds: Math.round(this.unreachableFor) };
          case 'pilot_lifetime':
            return { kind: 'pilot_lifetime' };
        }
    }
  }

  /**
   * Sends the remaining log bytes (heartbeats while more than one chunk is left) and then the
   * finish report, each retried until delivered or the outage limit has passed. With `claimNext`
   * the report also claims the pilot's next job; the claim's answer is returned.
   */
  private async finish(
    outcome: JobOutcome,
    metrics: JobMetrics,
    ran: { startedAt: number; endedAt: number } | null,
    started: { pid: number; at: number } | null,
    claimNext: boolean,
  ): Promise<ClaimReply | null> {
    const { client } = this.ctx;
    const retry = {
      outage: this.ctx.outage,
      interrupt: this.ctx.hurry,
      onRetry: (error: unknown) =>
        this.log.warn({ error: errorText(error) }, 'cannot deliver the final report; retrying'),
    };
    try {
      for (;;) {
        const collected = await this.shipper.collect();
        const body = this.body(collected.logs, metrics);
        if (collected.more) {
          await withRetry(() => client.heartbeat(this.job.id, body), retry);
          this.shipper.commit();
          continue;
        }
        const next = claimNext ? { next: { beat: this.ctx.options.beat } } : {};
        // The start, as seconds before this very send (the server's clock need not agree with ours).
        const start = (): Pick<FinishJobBody, 'started'> =>
          started
            ? { started: { pid: started.pid, seconds: Math.max(0, monotonicNow() - started.at) / 1000 } }
            : {};
        // How long the payload ran and how long ago it ended, as of this very send: the server
        // dates the attempt from these intervals, so no clock needs to agree with ours.
        const times = (): Pick<FinishJobBody, 'ran'> =>
          ran
            ? {
                ran: {
                  seconds: Math.max(0, ran.endedAt - ran.startedAt) / 1000,
                  endedSecondsAgo: Math.max(0, monotonicNow() - ran.endedAt) / 1000,
                },
              }
            : {};
        const reply = await withRetry(
          () => client.finishJob(this.job.id, { ...body, outcome, ...start(), ...times(), ...next }),
          retry,
        );
        this.shipper.commit();
        this.log.info({ state: reply.state }, 'job reported');
        return reply.next ?? null;
      }
    } catch (error) {
      if (error instanceof ApiError)
        this.log.warn({ code: error.code, message: error.message }, 'final report refused');
      else this.log.error({ error: errorText(error) }, 'final report not delivered');
      return null;
    }
  }
}

/** The payload ended by a signal, or as a shell reports one (status 128 + signal). */
function diedOfSignal(result: RunResult): boolean {
  return result.kind === 'signaled' || (result.kind === 'exited' && result.exitCode > 128);
}
