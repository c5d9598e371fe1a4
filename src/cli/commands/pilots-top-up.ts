// `p3s pilots start --site SITE` without -n: start as many pilots as the site's target (its
// `pilots` number, P3S's nominal population) lacks on this host, counting live local pilots.

import { ApiError, NetworkError, type P3sClient } from '../../protocol/client.ts';
import { CliError } from '../errors.ts';
import { pilotProcessState, readRecords } from '../local-pilots.ts';

export interface TopUp {
  /** Pilots to start now. */
  start: number;
  /** One line for stderr saying why. */
  note: string;
}

/** P3S's default population when a site sets none. */
const DEFAULT_TARGET = 1;

/** Live pilots of `site` started from this data directory (their records name the site). */
export function liveLocalPilots(dataDir: string, site: string): number {
  return readRecords(dataDir).filter((r) => r.site === site && pilotProcessState(r.pid, r.uuid) === 'alive')
    .length;
}

/** At most this many in one go, like -n. */
const MAX_START = 1000;

/** What to start: target − live, never negative, at most MAX_START. */
export function topUpCount(target: number, live: number): number {
  return Math.min(MAX_START, Math.max(0, target - live));
}

export async function topUpPlan(client: P3sClient, dataDir: string, site: string): Promise<TopUp> {
  let target: number;
  try {
    target = (await client.getSite(site)).site.pilots ?? DEFAULT_TARGET;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'not_found') {
      return {
        start: 1,
        note: `site ${site} is not defined on the server: starting 1 pilot (p3s site define sets a target; -n chooses)`,
      };
    }
    if (error instanceof NetworkError)
      throw new CliError(`cannot read the pilot target of site ${site}: ${error.message}`, {
        lines: ['  start the server, or say how many pilots to start with -n N'],
      });
    throw error;
  }
  const live = liveLocalPilots(dataDir, site);
  const start = topUpCount(target, live);
  const note =
    start === 0
      ? `site ${site}: ${live} of ${target} pilots already run on this host; none started`
      : `site ${site}: ${live} of ${target} pilots run on this host; starting ${start}`;
  return { start, note };
}
