// The simulated pilots' calls made in-process: the store calls the pilot-protocol routes make
// (touch-and-claim, fetch-next finish, heartbeat) on a store opened in the benchmark's own process,
// on the server's database, with no HTTP in between. graphile-worker's workers call its functions
// from inside their process the same way, so this is the like-for-like peer comparison; the light
// client (light-client.ts) measures the whole path a real pilot takes.

import { DEFAULTS } from '../../src/core/defaults.ts';
import type {
  ClaimReply,
  FinishJobBody,
  FinishJobReply,
  HeartbeatBody,
} from '../../src/protocol/schemas/pilots.ts';
import { claimReply } from '../../src/server/routes/pilot-protocol.ts';
import type { Store } from '../../src/store/store.ts';
import type { PilotCalls } from './light-client.ts';

export class InProcessPilots implements PilotCalls {
  constructor(private readonly store: Store) {}

  /** One touch-and-claim, answered at once: there is no long-poll without the server's waiter. */
  async claim(uuid: string, _wait: number, beat: number): Promise<ClaimReply> {
    return claimReply(await this.store.touchAndClaimJob(uuid, leaseMs(beat), Date.now()));
  }

  async finishJob(id: number, body: FinishJobBody): Promise<FinishJobReply> {
    if (body.logs) throw new Error('the in-process pilots send no output');
    const input = {
      jobId: id,
      pilotUuid: body.pilot,
      attempt: body.attempt,
      outcome: body.outcome,
      metrics: body.metrics,
      now: Date.now(),
      started: body.started && { pid: body.started.pid, msAgo: Math.round(body.started.seconds * 1000) },
    };
    if (!body.next) return { state: (await this.store.finishJob(input)).state };
    const finished = await this.store.finishAndClaimJob(input, leaseMs(body.next.beat));
    return { state: finished.job.state, next: claimReply(finished.next) };
  }

  async heartbeat(id: number, body: HeartbeatBody): Promise<{ command: string | null }> {
    if (body.logs) throw new Error('the in-process pilots send no output');
    return this.store.heartbeatJob({
      jobId: id,
      pilotUuid: body.pilot,
      attempt: body.attempt,
      metrics: body.metrics,
      leaseMs: leaseMs(0),
      now: Date.now(),
    });
  }
}

/** The lease the server grants for a beat period, with its default lease (pilot-protocol.ts). */
const leaseMs = (beat: number) => Math.max(DEFAULTS.leaseSeconds, beat * 3) * 1000;
