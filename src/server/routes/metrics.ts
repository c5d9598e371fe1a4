// GET /metrics: the Prometheus text format, the process's metrics then the app's
// (server/metrics). A read like any other under the server's read policy.

import { Type } from 'typebox';
import { ROUTES } from '../../protocol/routes.ts';
import type { AppContext, TypedApp } from '../app.ts';
import { processMetrics } from '../metrics/process-metrics.ts';

export function registerMetricsRoute(app: TypedApp, ctx: AppContext): void {
  const { registry } = ctx.metrics;
  app.get(
    ROUTES.metrics,
    {
      schema: {
        summary: 'Prometheus metrics (text exposition format 0.0.4)',
        response: {
          200: {
            description: 'the Prometheus text format',
            content: { 'text/plain': { schema: Type.String() } },
          },
        },
      },
    },
    async (_request, reply) => {
      const text = (await processMetrics().metrics()) + (await registry.metrics());
      return reply.type(registry.contentType).send(text);
    },
  );
}
