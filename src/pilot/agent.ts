// The pilot loop: register, claim in cycles (long-polls), run each job through a JobSession,
// and deregister when cycles, lifetime or a stop (command or signal) end it.

import type { Logger } from 'pino';
import { monotonicNow } from '../core/clock.ts';
import { reportBackoffCapMs, shouldClaim } from '../core/pilot-decisions.ts';
import { ApiError, type P3sClient } from '../protocol/client.ts';
import type {
  ClaimReply,
  DispatchedJob,
  PilotConfig,
  RegisterPilotBody,
} from '../protocol/schemas/pilots.ts';
import type { PayloadContainment } from './containment.ts';
import { type DiskShortage, describeShortage, diskShortage, pilotDirs } from './disk-space.ts';
import { EXIT } from './exit-codes.ts';
import { JobSession } from './job-session.ts';
import { DEFAULT_CHUNK_BYTES } from './log-shipper.ts';
import { type PilotResources, pilotResources } from './node-resources.ts';
import type { PilotOptions } from './options.ts';
import { errorText, Outage, OutageError, sleep, withRetry } from './retry.ts';
import type { ClaimPort } from './slot-claims.ts';

export { EXIT };

export interface AgentDeps {
  client: P3sClient;
  options: PilotOptions;
  uuid: string;
  logger: Logger;
  /** What the pilot tells the server about itself. */
  host: string;
  pid: number;
  version: string;
  /** Aborted to stop the pilot (reason: the signal name, e.g. 'SIGTERM'). */
  stop: AbortSignal;
  /** Aborted to stop retrying reports too (a second signal). */
  hurry: AbortSignal;
  /** How this slot's long-poll claims go out: together with its sibling slots' (slot-claims.ts), else alone. */
  claims?: ClaimPort;
  /** What keeps payloads from outliving the pilot (containment.ts); tests may leave it out. */
  containment?: PayloadContainment;
}

/** An idle claim round lasts at least this long, so a server that answers at once cannot make the pilot spin. */
const MIN_IDLE_CLAIM_MS = 250;

type CycleEnd =
  | { kind: 'job'; job: DispatchedJob }
  | { kind: 'idle' }
  | { kind: 'stop' }
  | { kind: 'exit'; code: number };

export class Agent {
  private readonly outage: Outage;
  private readonly startedAt = monotonicNow();
  /** Since when the pilot has had no job (for --idle-exit). */
  private idleSince = this.startedAt;
  private config: PilotConfig | null = null;
  /** The server was told this pilot takes no jobs (its disk is full). */
  private held = false;
  /** What the pilot offers its jobs (flags, else detected at start). */
  private readonly resources: PilotResources;
  /** The pilot's environment as it started, as a plain object: reading process.env costs per variable. */
  private readonly pilotEnv: Record<string, string | undefined> = { ...process.env };

  constructor(private readonly deps: AgentDeps) {
    this.outage = new Outage(deps.options.maxOutage);
    this.resources = pilotResources(deps.options);
  }

  /** Runs the pilot to its end; resolves to the exit code. */
  async run(): Promise<number> {
    const { logger: log } = this.deps;
    const registered = await this.register();
    if (registered !== EXIT.ok) return registered;
    let exitCode: number = EXIT.ok;
    let cyclesUsed = 0;
    // A claim answer that rode on the last final report: the decision to claim was taken then.
    let handed: CycleEnd | null = null;
    for (;;) {
      if (!handed) {
        const decision = this.decide(cyclesUsed);
        if (!decision.claim) {
          log.info({ reason: decision.reason, cyclesUsed }, 'no more claims');
          break;
        }
      }
      const cycle = handed ?? (await this.cycle());
      handed = null;
      cyclesUsed++;
      if (cycle.kind === 'stop') {
        log.info('the server asked this pilot to stop');
        break;
      }
      if (cycle.kind === 'exit') {
        exitCode = cycle.code;
        break;
      }
      if (cycle.kind === 'job') {
        const ended = await this.runJob(cycle.job, () => this.decide(cyclesUsed).claim && !this.diskFull());
        this.idleSince = monotonicNow();
        if (ended.end === 'unreachable') {
          exitCode = EXIT.unreachable;
          break;
        }
        if (ended.next?.job) handed = { kind: 'job', job: ended.next.job };
        else if (ended.next?.command === 'stop') handed = { kind: 'stop' };
      }
    }
    await this.deregister();
    log.info({ exitCode }, 'pilot done');
    return exitCode;
  }

  /** Whether the work or job log directory is short of space (then the next claim is a hold). */
  private diskFull(): boolean {
    const { options } = this.deps;
    return diskShortage(pilotDirs(options), options.minFreeBytes) !== null;
  }

  /** Whether to claim again after `cyclesUsed` cycles (core/pilot-decisions.ts). */
  private decide(cyclesUsed: number) {
    const { options, stop } = this.deps;
    return shouldClaim({
      cycles: options.cycles,
      cyclesUsed,
      lifetime: options.lifetime,
      timefloor: options.timefloor,
      startedAt: this.startedAt,
      now: monotonicNow(),
      stopping: stop.aborted,
      idleExit: options.idleExit ?? 0,
      idleSince: this.idleSince,
    });
  }

  /** Whole seconds of the pilot's lifetime left (rounded down), none when it is unlimited. */
  private lifetimeLeft(): { lifetimeLeft?: number } {
    const { lifetime } = this.deps.options;
    if (lifetime <= 0) return {};
    return { lifetimeLeft: Math.max(0, Math.floor(lifetime - (monotonicNow() - this.startedAt) / 1000)) };
  }

  /** Registers, retrying while the server is unreachable; EXIT.ok once registered. */
  private async register(): Promise<number> {
    const { client, options, uuid, logger: log, stop } = this.deps;
    const body: RegisterPilotBody = {
      uuid,
      host: this.deps.host,
      site: options.site,
      pid: this.deps.pid,
      batchId: options.batchId,
      jobTypes: options.jobTypes,
      version: this.deps.version,
      lifetime: options.lifetime,
      resources: this.resources,
    };
    try {
      // The lifetime left is counted at each try: retries during an outage use some of it up.
      const reply = await withRetry(() => client.registerPilot({ ...body, ...this.lifetimeLeft() }), {
        outage: this.outage,
        interrupt: stop,
        onRetry: (error, attempt) =>
          log.warn({ error: errorText(error), attempt }, 'cannot register; retrying'),
      });
      this.config = reply.config;
      this.outage.maxDelayMs = reportBackoffCapMs(reply.config.leaseSeconds);
      log.info({ pilotId: reply.pilot.id, config: reply.config }, 'registered');
      return EXIT.ok;
    } catch (error) {
      if (stop.aborted) return EXIT.ok;
      if (error instanceof OutageError) {
        log.fatal({ error: errorText(error) }, 'cannot register: giving up');
        return EXIT.unreachable;
      }
      if (error instanceof ApiError) {
        log.fatal({ code: error.code, message: error.message }, 'the server refused the registration');
        return EXIT.refused;
      }
      throw error;
    }
  }

  /**
   * One P3S cycle: claims until a job or a stop comes, or `period` s have passed. Each claim
   * long-polls for at most the server's maxClaimWait (and never past the pilot's lifetime). While
   * its work or job log disk is full the pilot takes no job: it tells the server why (a hold) and
   * waits out the cycle; the first claim once space is back clears the hold.
   */
  private async cycle(): Promise<CycleEnd> {
    const { options, uuid, logger: log, stop } = this.deps;
    const claims = this.deps.claims ?? this.deps.client;
    const cycleEnd = monotonicNow() + options.period * 1000;
    let reregistered = false;
    for (;;) {
      const config = this.config as PilotConfig;
      const shortage = diskShortage(pilotDirs(options), options.minFreeBytes);
      const hold = shortage ? describeShortage(shortage) : this.held ? null : undefined;
      let wait = Math.min(config.maxClaimWait, Math.max(0, (cycleEnd - monotonicNow()) / 1000));
      if (options.lifetime > 0)
        wait = Math.min(wait, options.lifetime - (monotonicNow() - this.startedAt) / 1000);
      if (options.idleExit)
        wait = Math.min(wait, options.idleExit - (monotonicNow() - this.idleSince) / 1000);
      wait = shortage ? 0 : Math.max(0, Math.round(wait * 1000) / 1000);
      const sentAt = monotonicNow();
      let reply: ClaimReply;
      try {
        reply = await withRetry(() => claims.claim(uuid, wait, options.beat, stop, hold), {
          outage: this.outage,
          interrupt: stop,
          onRetry: (error) =>
            log.warn(
              { error: errorText(error), outageSeconds: this.outage.seconds() },
              'claim failed; retrying',
            ),
        });
      } catch (error) {
        if (stop.aborted) return { kind: 'idle' };
        if (error instanceof OutageError) {
          log.fatal({ error: errorText(error) }, 'the server stayed unreachable: giving up');
          return { kind: 'exit', code: EXIT.unreachable };
        }
        if (error instanceof ApiError && error.code === 'pilot_unknown' && !reregistered) {
          // The server forgot this pilot (e.g. marked it lost during an outage): register again, once.
          log.warn('the server does not know this pilot any more: registering again');
          reregistered = true;
          const code = await this.register();
          if (code !== EXIT.ok) return { kind: 'exit', code };
          continue;
        }
        if (error instanceof ApiError) {
          log.fatal({ code: error.code, message: error.message }, 'the server refused the claim');
          return { kind: 'exit', code: EXIT.refused };
        }
        throw error;
      }
      this.noteHold(shortage);
      if (reply.job) return { kind: 'job', job: reply.job };
      if (reply.command === 'stop') return { kind: 'stop' };
      if (shortage) {
        await sleep(cycleEnd - monotonicNow(), stop);
        return { kind: 'idle' };
      }
      const took = monotonicNow() - sentAt;
      if (took < MIN_IDLE_CLAIM_MS) await sleep(MIN_IDLE_CLAIM_MS - took, stop);
      if (stop.aborted || monotonicNow() >= cycleEnd || this.idleOver()) return { kind: 'idle' };
    }
  }

  /** Logs when the pilot starts and stops holding back for a full disk (once each, not every cycle). */
  private noteHold(shortage: DiskShortage | null): void {
    const log = this.deps.logger;
    if (shortage && !this.held)
      log.error(
        { dir: shortage.path, freeBytes: shortage.freeBytes, minFreeBytes: shortage.minFreeBytes },
        `disk full: taking no jobs until space returns (${describeShortage(shortage)})`,
      );
    if (!shortage && this.held) log.warn('disk space is back: taking jobs again');
    this.held = shortage !== null;
  }

  private idleOver(): boolean {
    const idleExit = this.deps.options.idleExit ?? 0;
    return idleExit > 0 && monotonicNow() - this.idleSince >= idleExit * 1000;
  }

  private runJob(job: DispatchedJob, mayClaimNext: () => boolean) {
    const { options } = this.deps;
    const log = this.deps.logger.child({ job: job.id, attempt: job.attempt });
    log.info(
      { name: job.name, jobtype: job.jobtype, payload: job.payload, timelimit: job.timelimit },
      'job claimed',
    );
    const session = new JobSession(
      {
        client: this.deps.client,
        options,
        uuid: this.deps.uuid,
        config: this.config as PilotConfig,
        outage: this.outage,
        stop: this.deps.stop,
        hurry: this.deps.hurry,
        lifetimeEndsAt: options.lifetime > 0 ? this.startedAt + options.lifetime * 1000 : null,
        logChunkBytes: options.logChunkBytes ?? DEFAULT_CHUNK_BYTES,
        mayClaimNext,
        containment: this.deps.containment,
        resources: this.resources,
        pilotEnv: this.pilotEnv,
      },
      job,
      log,
    );
    return session.run();
  }

  /** Best effort: retried like any report, a single try once the outage limit has passed. */
  private async deregister(): Promise<void> {
    const { client, uuid, logger: log } = this.deps;
    try {
      await withRetry(() => client.deregisterPilot(uuid), {
        outage: this.outage,
        interrupt: this.deps.hurry,
        onRetry: (error) => log.warn({ error: errorText(error) }, 'cannot deregister; retrying'),
      });
      log.info('deregistered');
    } catch (error) {
      log.warn({ error: errorText(error) }, 'could not deregister');
    }
  }
}
