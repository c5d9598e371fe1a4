// Worker routes: the factory records the workers it submitted and what the batch system reports;
// users list, show and kill workers, drain and resume sites, and read a site's provisioning state
// (the factory's decision for it now, computed here by core's decideFeed from the database).

import {
  decideFeed,
  isWorkerState,
  NotFoundError,
  type Pilot,
  type Site,
  ValidationError,
  waitingJobsFor,
} from '../../core/index.ts';
import { ROUTES } from '../../protocol/routes.ts';
import { IdParams } from '../../protocol/schemas/common.ts';
import { SiteNameParams } from '../../protocol/schemas/sites.ts';
import {
  DrainReply,
  ProvisioningStateReply,
  type ProvisioningStateWire,
  SubmitWorkersBody,
  WorkerChangesBody,
  WorkerChangesReply,
  WorkerList,
  WorkerListQuery,
  WorkerReply,
} from '../../protocol/schemas/workers.ts';
import type { AppContext, TypedApp } from '../app.ts';
import { actorOf } from '../auth/auth-guard.ts';
import { parseStateList } from './query-parsing.ts';

/** Endings read for the start-failure streak beyond the site's failure limit (refusals and cancellations are skipped). */
const EXTRA_ENDINGS = 20;
const DAY_MS = 86_400_000;

export function registerWorkerRoutes(app: TypedApp, ctx: AppContext): void {
  const { store } = ctx;

  app.post(
    ROUTES.workers,
    { schema: { body: SubmitWorkersBody, response: { 201: WorkerList } } },
    async (request, reply) => {
      for (const [i, w] of request.body.workers.entries()) {
        if (!(await store.sites.getSite(w.site)))
          throw new ValidationError(`/body/workers/${i}/site: no site ${w.site}`, [
            { path: `/body/workers/${i}/site`, message: `no site ${w.site} (define it first)` },
          ]);
      }
      const workers = await store.workers.submitWorkers(request.body.workers, ctx.now());
      await ctx.audit(request, {
        action: 'worker.submit',
        objectType: 'worker',
        objectId: workers[0]?.id ?? null,
        detail: `${workers.length} worker(s) at ${[...new Set(workers.map((w) => w.site))].join(', ')}`,
      });
      return reply.status(201).send({ workers, total: workers.length, limit: workers.length, offset: 0 });
    },
  );

  app.post(
    ROUTES.workerChanges,
    { schema: { body: WorkerChangesBody, response: { 200: WorkerChangesReply } } },
    async (request) => {
      const { applied, skipped } = await store.workers.recordWorkerChanges(request.body.changes, ctx.now());
      return { workers: applied, skipped };
    },
  );

  app.get(
    ROUTES.workers,
    { schema: { querystring: WorkerListQuery, response: { 200: WorkerList } } },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 100;
      const offset = q.offset ?? 0;
      const { workers, total } = await store.workers.listWorkers(
        { site: q.site, states: parseStateList(q.state, isWorkerState, 'worker') },
        { limit, offset, order: q.order ?? 'newest' },
      );
      return { workers, total, limit, offset };
    },
  );

  app.get(
    ROUTES.worker,
    { schema: { params: IdParams, response: { 200: WorkerReply } } },
    async (request) => {
      const worker = await store.workers.getWorker(request.params.id);
      if (!worker) throw new NotFoundError('worker', request.params.id);
      return { worker };
    },
  );

  app.post(
    ROUTES.workerKill,
    { schema: { params: IdParams, response: { 200: WorkerReply } } },
    async (request) => {
      const worker = await store.workers.requestWorkerKill(request.params.id, actorOf(request), ctx.now());
      await ctx.audit(request, { action: 'worker.kill', objectType: 'worker', objectId: worker.id });
      return { worker };
    },
  );

  app.post(
    ROUTES.siteDrain,
    { schema: { params: SiteNameParams, response: { 200: DrainReply } } },
    async (request) => {
      const drained = await store.workers.drainSite(request.params.name, actorOf(request), ctx.now());
      await ctx.audit(request, {
        action: 'site.drain',
        objectType: 'site',
        objectId: drained.site.name,
        detail: `${drained.pilots} pilot(s) stopping, ${drained.workers} queued worker(s) to remove`,
      });
      return {
        site: { name: drained.site.name, drained: drained.site.drained },
        pilotsStopping: drained.pilots,
        workersToRemove: drained.workers,
      };
    },
  );

  app.post(
    ROUTES.siteResume,
    { schema: { params: SiteNameParams, response: { 200: DrainReply } } },
    async (request) => {
      const site = await store.workers.resumeSite(request.params.name, ctx.now());
      await ctx.audit(request, { action: 'site.resume', objectType: 'site', objectId: site.name });
      return { site: { name: site.name, drained: site.drained }, pilotsStopping: 0, workersToRemove: 0 };
    },
  );

  app.get(
    ROUTES.siteProvisioning,
    { schema: { params: SiteNameParams, response: { 200: ProvisioningStateReply } } },
    async (request) => {
      const site = await store.sites.getSite(request.params.name);
      if (!site) throw new NotFoundError('site', request.params.name);
      return { provisioning: await provisioningState(ctx, site) };
    },
  );
}

/** The factory's decision for a provisioned site now, with what it was taken from. */
export async function provisioningState(ctx: AppContext, site: Site): Promise<ProvisioningStateWire> {
  const p = site.provisioning;
  if (!p)
    throw new ValidationError(`site ${site.name} has no provisioning record`, [
      { path: '/params/name', message: `site ${site.name} is not provisioned by the factory` },
    ]);
  const [queue, workers, recent, lastDay] = await Promise.all([
    ctx.store.stats.queueDepth(),
    ctx.store.workers.countWorkers(site.name),
    ctx.store.workers.recentEndings(site.name, p.failureLimit + EXTRA_ENDINGS),
    ctx.store.workers.countEndings(site.name, ctx.now() - DAY_MS),
  ]);
  const waitingJobs = waitingJobsFor(queue, site.name, p);
  const decision = decideFeed({
    now: ctx.now(),
    drained: site.drained !== null,
    limits: p,
    waitingJobs,
    workers,
    recent,
    resetAt: site.feedResetAt,
  });
  return {
    site: site.name,
    batch: p.batch,
    drained: site.drained !== null,
    waitingJobs,
    workers,
    lastDay,
    decision,
  };
}

/**
 * After a pilot registers: link it to the worker it runs in (its batch id), and tell it to stop
 * at once when its site is drained (no new pilots for a drained site, whoever started them).
 */
export async function afterPilotRegistered(ctx: AppContext, pilot: Pilot): Promise<void> {
  if (pilot.batchId !== null)
    await ctx.store.workers.linkPilot(pilot.batchId, pilot.site, pilot.id, ctx.now());
  if (pilot.site === null || pilot.stopRequested) return;
  const site = await ctx.store.sites.getSite(pilot.site);
  if (site?.drained) await ctx.store.requestPilotStop(pilot.id);
}
