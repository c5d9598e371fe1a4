// Mounts the web monitor (src/web) on the app. The monitor reads only the public JSON API: its
// transport sends each request through the app's own /api/v1 routes with inject(), so the pages
// see exactly what any client sees (validation, errors, serialisation, access control) and never
// the store. A logged-in viewer's requests carry the token of their session cookie as a bearer
// token, so the API's guard decides what each viewer may read and do. Its live regions are
// long-polls the server holds until they change (src/web/live.tsx).

import type { FastifyInstance } from 'fastify';
import { type ApiTransport, makeMonitorApi } from '../web/monitor-api.ts';
import { registerMonitor } from '../web/monitor-routes.ts';
import type { AppContext } from './app.ts';
import { hangUpOf, holdUntil } from './long-poll.ts';

export async function mountMonitor(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const transport: ApiTransport = async ({ method, url, body, token }) => {
    const response = await app.inject({
      method,
      url,
      ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : undefined };
  };
  await registerMonitor(app, {
    apiFor: (token) => makeMonitorApi(transport, token),
    readPolicy: ctx.config.readPolicy,
    now: ctx.now,
    info: { version: ctx.config.version, store: ctx.store.dialect },
    // Live regions are long-polls: held until they change, woken by every change the store signals.
    hold: (reply, waitSeconds, look, ready) =>
      holdUntil(ctx.changes, waitSeconds, look, ready, hangUpOf(reply)),
    ...(ctx.config.monitorWaitSeconds === undefined
      ? {}
      : { liveWaitSeconds: ctx.config.monitorWaitSeconds }),
  });
}
