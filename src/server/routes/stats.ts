// Monitor statistics: the overview's time series, recent failures grouped by error and
// diagnostic, queue depth by job type and site. Read-only aggregates from store.stats.

import { STATS_WINDOWS } from '../../core/stats.ts';
import { ROUTES } from '../../protocol/routes.ts';
import {
  FailuresQuery,
  FailuresSchema,
  QueueDepthSchema,
  TimelineQuery,
  TimelineSchema,
} from '../../protocol/schemas/stats.ts';
import type { AppContext, TypedApp } from '../app.ts';

export function registerStatsRoutes(app: TypedApp, ctx: AppContext): void {
  const { stats } = ctx.store;

  app.get(
    ROUTES.statsTimeline,
    { schema: { querystring: TimelineQuery, response: { 200: TimelineSchema } } },
    async (request) => stats.timeline(request.query.window ?? 'hour', ctx.now()),
  );

  app.get(
    ROUTES.statsFailures,
    { schema: { querystring: FailuresQuery, response: { 200: FailuresSchema } } },
    async (request) => {
      const window = request.query.window ?? 'day';
      const since = ctx.now() - STATS_WINDOWS[window].seconds * 1000;
      const { groups, total } = await stats.failures(since, request.query.limit ?? 20);
      return { window, since, total, groups };
    },
  );

  app.get(ROUTES.statsQueue, { schema: { response: { 200: QueueDepthSchema } } }, async () => ({
    queue: await stats.queueDepth(),
  }));
}
