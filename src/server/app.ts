// buildApp(deps): the HTTP application, fully wired but never listening, so tests
// drive it through inject() and main.ts decides where it listens.

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { type FieldIssue, type ReadPolicy, TooManyRequestsError, ValidationError } from '../core/index.ts';
import type { Store } from '../store/store.ts';
import { type AuditEntry, auditRecord, recordAudit, routeAction } from './auth/audit.ts';
import { registerAuthGuard } from './auth/auth-guard.ts';
import { TokenResolver } from './auth/token-resolver.ts';
import { registerCrossSiteGuard } from './cross-site-guard.ts';
import { mapError } from './http-errors.ts';
import { registerJsonBody } from './json-body.ts';
import { AppMetrics, registerHttpMetrics } from './metrics/app-metrics.ts';
import { registerStoreGauges } from './metrics/store-gauges.ts';
import { mountMonitor } from './monitor.ts';
import { registerOpenApi, registerOpenApiRoute } from './openapi.ts';
import { registerAuthRoutes } from './routes/auth.ts';
import { registerDagRoutes } from './routes/dags.ts';
import { registerDatasetRoutes } from './routes/datasets.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerJobWhyRoute } from './routes/job-why.ts';
import { registerJobRoutes } from './routes/jobs.ts';
import { registerMetricsRoute } from './routes/metrics.ts';
import { registerPilotProtocolRoutes } from './routes/pilot-protocol.ts';
import { registerPilotRoutes } from './routes/pilots.ts';
import { registerPurgeRoutes } from './routes/purge.ts';
import { registerRetryRuleRoutes } from './routes/retry-rules.ts';
import { registerSiteRoutes } from './routes/sites.ts';
import { registerStatsRoutes } from './routes/stats.ts';
import { registerWorkerRoutes } from './routes/workers.ts';
import { registerWorkflowRoutes } from './routes/workflows.ts';
import { Waiter } from './waiter.ts';

/** Server behaviour that routes need (a subset of ServerOptions). */
export interface AppConfig {
  leaseSeconds: number;
  maxClaimWaitSeconds: number;
  logHeadBytes: number;
  logTailBytes: number;
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  version: string;
  /** Who may read without a token (core/auth.ts). */
  readPolicy: ReadPolicy;
  /** Most jobs in one submission. */
  maxJobsPerSubmission: number;
  /** Largest env of one job, in bytes of JSON. */
  maxEnvBytes: number;
  /** Most claim long-polls one token may hold open at once (each pilot holds at most one). */
  maxClaimsPerToken: number;
  /** How often a waiting claim looks for a job even without a wake-up, in ms (default 1000; tests lengthen it). */
  claimRecheckMs?: number;
  /** Longest the monitor holds a live region's request waiting for a change, in seconds (default 25; tests lengthen it). */
  monitorWaitSeconds?: number;
}

export interface AppDeps {
  store: Store;
  config: AppConfig;
  logger?: FastifyBaseLogger;
  /** Injected clock (epoch ms); tests may fake it. */
  now?: () => number;
  /** PEM certificate and key: serve HTTPS. */
  https?: { cert: Buffer; key: Buffer };
  /** Behind a TLS-terminating proxy: take the scheme and client address from X-Forwarded-*. */
  trustProxy?: boolean;
}

export interface AppContext {
  store: Store;
  config: AppConfig;
  waiter: Waiter;
  /** Woken after every write the store commits (long-polling reads). */
  changes: Waiter;
  now: () => number;
  startedAt: number;
  /** Every route registered, for docs and the route-coverage tests. */
  routes: { method: string; url: string }[];
  tokens: TokenResolver;
  /** Records an `ok` audit entry for a change the request made (awaited before answering). */
  audit(request: FastifyRequest, entry: AuditEntry): Promise<void>;
  /** Prometheus metrics the routes observe (server/metrics). */
  metrics: AppMetrics;
}

export type App = FastifyInstance & { p3s: AppContext };

export async function buildApp(deps: AppDeps): Promise<App> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    ...(deps.https ? { https: deps.https } : {}),
    ...(deps.trustProxy ? { trustProxy: true } : {}),
    // Malformed URLs (a stray `%`) get the API's error body, not Fastify's own.
    frameworkErrors: (error, _request, reply) => {
      const mapped = mapError(error);
      const body =
        mapped.status < 500
          ? mapped.body
          : {
              error: {
                code: 'validation_failed',
                message: `malformed request: ${error.message}`,
                details: [],
              },
            };
      void (reply as unknown as FastifyReply).code(mapped.status < 500 ? mapped.status : 400).send(body);
    },
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
    waiter: new Waiter(),
    changes: new Waiter(),
    now,
    startedAt: now(),
    routes: [],
    tokens: new TokenResolver(deps.store.auth, (error) =>
      app.log.warn({ err: error }, 'could not record token use'),
    ),
    audit: (request, entry) => recordAudit(deps.store, request, entry, now()),
    metrics: new AppMetrics(),
  };
  registerStoreGauges(ctx.metrics.registry, deps.store.stats, now, (error) =>
    app.log.warn({ err: error }, 'metrics: cannot read job and pilot counts'),
  );
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat())
      if (method !== 'HEAD') ctx.routes.push({ method, url: route.url });
  });
  app.decorate('p3s', ctx);
  const unsubscribe = [
    deps.store.onSignal('jobs-available', () => ctx.waiter.notify()),
    deps.store.onSignal('changed', () => ctx.changes.notify()),
  ];
  // Long-polls must not hold up shutdown: release them as soon as close begins.
  const release = async () => {
    ctx.waiter.close();
    ctx.changes.close();
  };
  app.addHook('onClose', async () => {
    for (const off of unsubscribe) off();
    await release();
  });
  app.addHook('preClose', release);

  app.setErrorHandler(async (error, request, reply) => {
    const mapped = mapError(error);
    if (mapped.status >= 500) request.log.error({ err: error, url: request.url }, 'request failed');
    if (mapped.status === 403 && request.principal && request.method !== 'GET') await auditDenied(request);
    if (error instanceof TooManyRequestsError) reply.header('retry-after', String(error.retryAfter));
    return reply.status(mapped.status).send(mapped.body);
  });
  // A refused change by a known token goes to the audit trail; unknown callers are not recorded (flooding).
  const auditDenied = async (request: FastifyRequest) => {
    const params = (request.params ?? {}) as Record<string, unknown>;
    const entry = {
      ...routeAction(request.method, request.routeOptions.url ?? request.url.split('?')[0] ?? ''),
      objectId: (params.id ?? params.name ?? null) as string | null,
    };
    await deps.store.auth
      .recordAudit(auditRecord(request, entry, 'denied', now()))
      .catch((err: unknown) => request.log.warn({ err }, 'could not record a denied request'));
  };
  // Query coercion turns "1e400" into Infinity, which passes ajv's bounds (ajv#2212): refuse it here.
  app.addHook('preHandler', async (request) => {
    const issues = [
      ...nonFiniteNumbers(request.query, '/querystring'),
      ...nonFiniteNumbers(request.params, '/params'),
    ];
    if (issues.length > 0) throw new ValidationError(`${issues[0]?.path}: ${issues[0]?.message}`, issues);
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

  registerJsonBody(app, deps.config.bodyLimit);
  registerCrossSiteGuard(app);
  registerAuthGuard(app, { resolver: ctx.tokens, readPolicy: deps.config.readPolicy, now });
  registerHttpMetrics(app, ctx.metrics);
  // Before the routes: the OpenAPI generator collects them as they are added.
  await registerOpenApi(app, { version: deps.config.version, readPolicy: deps.config.readPolicy });
  registerHealthRoutes(app, ctx);
  registerOpenApiRoute(app);
  registerMetricsRoute(app, ctx);
  registerJobRoutes(app, ctx);
  registerJobWhyRoute(app, ctx);
  registerPilotRoutes(app, ctx);
  registerPilotProtocolRoutes(app, ctx);
  registerSiteRoutes(app, ctx);
  registerRetryRuleRoutes(app, ctx);
  registerWorkerRoutes(app, ctx);
  registerPurgeRoutes(app, ctx);
  registerDagRoutes(app, ctx);
  registerDatasetRoutes(app, ctx);
  registerWorkflowRoutes(app, ctx);
  registerStatsRoutes(app, ctx);
  registerAuthRoutes(app, ctx);
  // The web monitor: pages at /, /jobs, … reading the routes above (src/web).
  await mountMonitor(app, ctx);
  await app.ready();
  return app as unknown as App;
}

/** Top-level fields of a parsed query or params object that hold a non-finite number. */
function nonFiniteNumbers(values: unknown, where: string): FieldIssue[] {
  if (typeof values !== 'object' || values === null) return [];
  return Object.entries(values)
    .filter(([, value]) => typeof value === 'number' && !Number.isFinite(value))
    .map(([key]) => ({ path: `${where}/${key}`, message: 'must be a finite number' }));
}

export type TypedApp = FastifyInstance<
  import('fastify').RawServerDefault,
  import('fastify').RawRequestDefaultExpression,
  import('fastify').RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;
