// A pilot with several slots (`p3s pilot --slots N`): N claim loops in one process, each registered
// with the server as a pilot of its own, so every server rule (one job per pilot, exactly once)
// holds unchanged. These are the pure rules: each slot's uuid, share of the node, work dir, and
// the one exit code of the process.

import { join } from 'node:path';
import { EXIT } from './exit-codes.ts';
import type { PilotResources } from './node-resources.ts';

/** Most slots one pilot process runs. */
export const MAX_SLOTS = 256;

/** Longest uuid the server accepts (protocol/schemas/common.ts). */
const MAX_UUID_LENGTH = 64;

/** The uuid slot `k` (1-based) registers with: the pilot's own with one slot, else `<uuid>-s<k>`. */
export function slotUuid(uuid: string, k: number, slots: number): string {
  return slots === 1 ? uuid : `${uuid}-s${k}`;
}

/** Why `uuid` cannot name `slots` slots (their uuids would be too long for the server), or null. */
export function slotUuidProblem(uuid: string, slots: number): string | null {
  const longest = slotUuid(uuid, slots, slots);
  if (longest.length <= MAX_UUID_LENGTH) return null;
  return `--uuid ${uuid}: with --slots ${slots} the slots' uuids (${longest}) are longer than ${MAX_UUID_LENGTH} characters`;
}

/**
 * What one of `slots` slots offers: the node's memory, cores and disk divided evenly (rounded
 * down), so the claim gives each slot only jobs that fit its share. A known amount never drops
 * to 0 (0 = unknown, which would constrain nothing): a slot has at least 1 of it.
 */
export function slotShare(node: PilotResources, slots: number): PilotResources {
  const share = (amount: number) => (amount === 0 ? 0 : Math.max(1, Math.floor(amount / slots)));
  return { memory: share(node.memory), cores: share(node.cores), disk: share(node.disk) };
}

/** Slot `k`'s work dir: the pilot's own with one slot, else `<workDir>/slot-<k>`. */
export function slotWorkDir(workDir: string, k: number, slots: number): string {
  return slots === 1 ? workDir : join(workDir, `slot-${k}`);
}

/**
 * How bad each exit code is: a local failure (the pilot itself is broken) over a refusal (the
 * server will not have it until an operator acts) over an outage (the server may come back) over
 * a clean end. A code not in EXIT counts as a failure.
 */
const SEVERITY: Record<number, number> = {
  [EXIT.ok]: 0,
  [EXIT.unreachable]: 1,
  [EXIT.refused]: 2,
  [EXIT.failure]: 3,
};
const UNKNOWN_SEVERITY = 3;

/** The pilot process's exit code: the worst of its slots' (see SEVERITY; of equals, the first); EXIT.ok with none. */
export function worstExit(codes: readonly number[]): number {
  const rank = (code: number) => SEVERITY[code] ?? UNKNOWN_SEVERITY;
  let worst: number = EXIT.ok;
  for (const code of codes) if (rank(code) > rank(worst)) worst = code;
  return worst;
}
