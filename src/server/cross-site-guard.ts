// Refuses state-changing requests that a browser marks as coming from another site, so a web page
// the user visits cannot kill or purge through the JSON API (CSRF). The CLI and pilots send neither
// Sec-Fetch-Site nor Origin and are not affected; the monitor's own buttons are guarded in src/web,
// whose Origin check this guard shares.

import type { FastifyInstance } from 'fastify';
import { AppError } from '../core/errors.ts';
import { API_PREFIX } from '../protocol/routes.ts';
import { isForeignOrigin } from '../web/action-guard.ts';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Why a request is refused, or null: a browser's cross-site mark or an Origin that is not this host. */
export function crossSiteReason(
  method: string,
  headers: Record<string, string | string[] | undefined>,
): string | null {
  if (SAFE.has(method)) return null;
  const site = headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return `a ${site} request`;
  const origin = headers.origin;
  const host = typeof headers.host === 'string' ? headers.host : '';
  if (typeof origin === 'string' && isForeignOrigin(origin, host)) return `a request from origin ${origin}`;
  return null;
}

export function registerCrossSiteGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith(API_PREFIX)) return;
    const reason = crossSiteReason(request.method, request.headers);
    if (reason)
      throw new AppError(
        'cross_site_refused',
        `refused ${reason}: the API takes no state change from other sites`,
      );
  });
}
