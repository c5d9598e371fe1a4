// A pilot started with `-s SITE` reads the site from the server: its cycles, period and beat
// replace the settings not given explicitly, and its env goes to every payload (P3S pilot.py §3.1).

import type { Logger } from 'pino';
import { ApiError, type P3sClient } from '../protocol/client.ts';
import type { SiteWire } from '../protocol/schemas/sites.ts';
import { EXIT } from './agent.ts';
import { type PilotOptions, SITE_SETTINGS, type SiteSetting } from './options.ts';
import { errorText, Outage, OutageError, withRetry } from './retry.ts';

const SITE_FIELD: Record<SiteSetting, 'pilotcycles' | 'pilotperiod' | 'pilotbeat'> = {
  cycles: 'pilotcycles',
  period: 'pilotperiod',
  beat: 'pilotbeat',
};

/** The options with the site's values for every setting not chosen explicitly, and the site's env. */
export function applySite(
  options: PilotOptions,
  site: Pick<SiteWire, 'pilotcycles' | 'pilotperiod' | 'pilotbeat' | 'env'>,
): { options: PilotOptions; taken: Partial<Record<SiteSetting, number>> } {
  const explicit = options.explicit ?? SITE_SETTINGS;
  const taken: Partial<Record<SiteSetting, number>> = {};
  for (const setting of SITE_SETTINGS) {
    const value = site[SITE_FIELD[setting]];
    if (value !== null && !explicit.includes(setting)) taken[setting] = value;
  }
  return { options: { ...options, ...taken, siteEnv: site.env }, taken };
}

/**
 * Reads the pilot's site (retrying while the server is unreachable, like registration) and
 * applies it. A site the server does not know leaves the options as they are, with a warning:
 * a site can still be a plain name that jobs ask for. Returns an exit code when the pilot must stop.
 */
export async function resolveSite(
  client: P3sClient,
  options: PilotOptions,
  log: Logger,
  stop: AbortSignal,
): Promise<PilotOptions | number> {
  const name = options.site;
  if (name === null) return options;
  let site: SiteWire;
  try {
    site = (
      await withRetry(() => client.getSite(name), {
        outage: new Outage(options.maxOutage),
        interrupt: stop,
        onRetry: (error) => log.warn({ error: errorText(error) }, 'cannot read the site; retrying'),
      })
    ).site;
  } catch (error) {
    if (stop.aborted) return EXIT.ok;
    if (error instanceof ApiError && error.code === 'not_found') {
      log.warn(
        { site: name },
        'the site is not defined on the server: using the pilot settings and env as they are',
      );
      return options;
    }
    if (error instanceof OutageError) {
      log.fatal({ error: errorText(error) }, 'cannot read the site: giving up');
      return EXIT.unreachable;
    }
    if (error instanceof ApiError) {
      log.fatal({ code: error.code, message: error.message }, 'the server refused to give the site');
      return EXIT.refused;
    }
    throw error;
  }
  const applied = applySite(options, site);
  log.info({ site: name, fromSite: applied.taken, envKeys: Object.keys(site.env) }, 'site settings applied');
  return applied.options;
}
