// Whether a pilot can hold a job: the job's resource requests against what the pilot offers, and
// its time limit against the pilot's remaining lifetime. The claim's SQL (sqlite/claim.ts,
// migration 0013's functions) applies the same rule; the store's conformance tests compare them.

/** What a job asks for: memory and disk in MiB, cores, its time limit in seconds; null = nothing asked. */
export interface JobRequests {
  memory: number | null;
  cores: number | null;
  disk: number | null;
  timelimit: number | null;
}

/**
 * What a pilot offers, as it registered: MiB, cores, MiB, and when its lifetime ends (epoch ms);
 * null = unlimited or unknown.
 */
export interface PilotOffer {
  memory: number | null;
  cores: number | null;
  disk: number | null;
  lifetimeEndsAt: number | null;
}

/** An offer that constrains nothing: a pilot from before resources were sent. */
export const UNLIMITED_OFFER: PilotOffer = { memory: null, cores: null, disk: null, lifetimeEndsAt: null };

/**
 * Whether `pilot` may be handed `job` at `now`: every request at most what is offered, and the time
 * limit within the lifetime left (a job the pilot must abandon is a job lost). Null on either side
 * of a comparison leaves it unconstrained.
 */
export function jobFitsPilot(job: JobRequests, pilot: PilotOffer, now: number): boolean {
  return (
    within(job.memory, pilot.memory) &&
    within(job.cores, pilot.cores) &&
    within(job.disk, pilot.disk) &&
    within(job.timelimit === null ? null : job.timelimit * 1000, msLeft(pilot, now))
  );
}

/** Milliseconds of the pilot's lifetime left at `now` (negative once it is over); null = unlimited. */
export function msLeft(pilot: Pick<PilotOffer, 'lifetimeEndsAt'>, now: number): number | null {
  return pilot.lifetimeEndsAt === null ? null : pilot.lifetimeEndsAt - now;
}

function within(asked: number | null, offered: number | null): boolean {
  return asked === null || offered === null || asked <= offered;
}
