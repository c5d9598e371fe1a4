// The simulated pilots' calls made in-process: the store calls the pilot-protocol routes make
// (touch-and-claim, fetch-next finish) on a store opened in the benchmark's own process,
// on the server's database, with no HTTP in between. graphile-worker's workers call its functions
// from inside their process the same way, so this is the like-for-like peer comparison; the light
// client (light-client.ts) measures the whole path a real pilot takes.

import { DEFAULTS } from '../../src/core/defaults.ts';
import type { ClaimReply, FinishJobBody, FinishJobReply } from '../../src/protocol/schemas/pilots.ts';
import { answerFinish, claimReply, leaseMsFor } from '../../src/server/routes/pilot-protocol.ts';
import type { Store } from '../../src/store/store.ts';
import type { PilotCalls } from './light-client.ts';

/** The calls the dispatcher scenario makes (simulated-pilots.ts drainJobs); heartbeats go over HTTP only. */
export class InProcessPilots implements Pick<PilotCalls, 'claim' | 'finishJob'> {
  constructor(private readonly store: Store) {}

  /** One touch-and-claim, answered at once: there is no long-poll without the server's waiter. */
  async claim(uuid: string, _wait: number, beat: number): Promise<ClaimReply> {
    return claimReply(await this.store.touchAndClaimJob(uuid, leaseMs(beat), Date.now()));
  }

  finishJob(id: number, body: FinishJobBody): Promise<FinishJobReply> {
    return answerFinish(this.store, id, body, { now: Date.now(), caps: LOG_CAPS, leaseMs });
  }
}

// The server's defaults (server/main.ts): the lease and the caps of a job's stored output.
const leaseMs = (beat: number) => leaseMsFor(DEFAULTS.leaseSeconds, beat);
const LOG_CAPS = { headCap: DEFAULTS.logHeadBytes, tailCap: DEFAULTS.logTailBytes };
