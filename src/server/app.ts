// buildApp(deps): the HTTP application, fully wired but never listening, so tests
// drive it through inject() and main.ts decides where it listens.

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Store } from '../store/store.ts';
import { ClaimWaiter } from './claim-waiter.ts';
import { registerCrossSiteGuard } from './cross-site-guard.ts';
import { mapError } from './http-errors.ts';
import { mountMonitor } from './monitor.ts';
import { registerDagRoutes } from './routes/dags.ts';
import { registerDatasetRoutes } from './routes/datasets.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerJobRoutes } from './routes/jobs.ts';
import { registerPilotProtocolRoutes } from './routes/pilot-protocol.ts';
import { registerPilotRoutes } from './routes/pilots.ts';
import { registerPurgeRoutes } from './routes/purge.ts';
import { registerSiteRoutes } from './routes/sites.ts';
import { registerStatsRoutes } from './routes/stats.ts';
import { registerWorkflowRoutes } from './routes/workflows.ts';

/** Server behaviour that routes need (a subset of ServerOptions). */
export interface AppConfig {
  leaseSeconds: number;
  maxClaimWaitSeconds: number;
  logHeadBytes: number;
  logTailBytes: number;
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  version: string;
}

export interface AppDeps {
  store: Store;
  config: AppConfig;
  logger?: FastifyBaseLogger;
  /** Injected clock (epoch ms); tests may fake it. */
  now?: () => number;
}

export interface AppContext {
  store: Store;
  config: AppConfig;
  waiter: ClaimWaiter;
  now: () => number;
  startedAt: number;
  /** Every route registered, for docs and the route-coverage tests. */
  routes: { method: string; url: string }[];
}

export type App = FastifyInstance & { p3s: AppContext };

export async function buildApp(deps: AppDeps): Promise<App> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: deps.config.bodyLimit,
    // Heartbeats and claims would flood the log; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // Unknown fields are errors (not silently dropped); query strings still coerce to numbers.
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const now = deps.now ?? Date.now;
  const ctx: AppContext = {
    store: deps.store,
    config: deps.config,
    waiter: new ClaimWaiter(),
    now,
    startedAt: now(),
    routes: [],
  };
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat())
      if (method !== 'HEAD') ctx.routes.push({ method, url: route.url });
  });
  app.decorate('p3s', ctx);
  const unsubscribe = deps.store.onJobsAvailable(() => ctx.waiter.notify());
  app.addHook('onClose', async () => {
    unsubscribe();
    ctx.waiter.close();
  });
  // Long-polls must not hold up shutdown: release them as soon as close begins.
  app.addHook('preClose', async () => ctx.waiter.close());

  app.setErrorHandler((error, request, reply) => {
    const mapped = mapError(error);
    if (mapped.status >= 500) request.log.error({ err: error, url: request.url }, 'request failed');
    return reply.status(mapped.status).send(mapped.body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: {
        code: 'route_not_found',
        message: `no route ${request.method} ${request.url.split('?')[0]}`,
        details: [],
      },
    }),
  );

  registerCrossSiteGuard(app);
  registerHealthRoutes(app, ctx);
  registerJobRoutes(app, ctx);
  registerPilotRoutes(app, ctx);
  registerPilotProtocolRoutes(app, ctx);
  registerSiteRoutes(app, ctx);
  registerPurgeRoutes(app, ctx);
  registerDagRoutes(app, ctx);
  registerDatasetRoutes(app, ctx);
  registerWorkflowRoutes(app, ctx);
  registerStatsRoutes(app, ctx);
  // The web monitor: pages at /, /jobs, … reading the routes above (src/web).
  await mountMonitor(app, ctx);
  await app.ready();
  return app as unknown as App;
}

export type TypedApp = FastifyInstance<
  import('fastify').RawServerDefault,
  import('fastify').RawRequestDefaultExpression,
  import('fastify').RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;
