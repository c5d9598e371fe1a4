// Liveness and the counts behind `p3s summary`.

import { ROUTES } from '../../protocol/routes.ts';
import { Health } from '../../protocol/schemas/common.ts';
import { SummarySchema } from '../../protocol/schemas/jobs.ts';
import type { AppContext, TypedApp } from '../app.ts';

export function registerHealthRoutes(app: TypedApp, ctx: AppContext): void {
  app.get(ROUTES.health, { schema: { response: { 200: Health } } }, async () => ({
    status: 'ok' as const,
    version: ctx.config.version,
    store: ctx.store.dialect,
    startedAt: ctx.startedAt,
    now: ctx.now(),
  }));

  app.get(ROUTES.summary, { schema: { response: { 200: SummarySchema } } }, async () => ctx.store.summary());
}
