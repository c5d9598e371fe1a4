// Mounts the web monitor (src/web) on the app. The monitor reads only the public JSON API: its
// transport sends each request through the app's own /api/v1 routes with inject(), so the pages
// see exactly what any client sees (validation, errors, serialisation) and never the store.

import type { FastifyInstance } from 'fastify';
import { makeMonitorApi } from '../web/monitor-api.ts';
import { registerMonitor } from '../web/monitor-routes.tsx';
import type { AppContext } from './app.ts';

/** The actor recorded in job events for kills and retries clicked in the monitor. */
export const MONITOR_ACTOR = 'monitor';

export async function mountMonitor(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const api = makeMonitorApi(async ({ method, url, body }) => {
    const response = await app.inject({
      method,
      url,
      headers: { 'x-p3s-user': MONITOR_ACTOR },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : undefined };
  });
  await registerMonitor(app, {
    api,
    now: ctx.now,
    info: { version: ctx.config.version, store: ctx.store.dialect },
  });
}
