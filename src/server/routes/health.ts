// Liveness and the counts behind `p3s summary`. Health answers 503 store_unavailable, saying
// what is wrong, while the database cannot be used (unreachable, or its disk full).

import { AppError } from '../../core/index.ts';
import { ROUTES } from '../../protocol/routes.ts';
import { Health } from '../../protocol/schemas/common.ts';
import { SummarySchema } from '../../protocol/schemas/jobs.ts';
import type { StoreHealthProblem } from '../../store/index.ts';
import type { AppContext, TypedApp } from '../app.ts';

const PROBLEM_NAMES: Record<StoreHealthProblem['problem'], string> = {
  database_unreachable: 'database unreachable',
  disk_full: 'disk full',
};

export function registerHealthRoutes(app: TypedApp, ctx: AppContext): void {
  app.get(ROUTES.health, { schema: { response: { 200: Health } } }, async () => {
    const problems = await ctx.store.checkHealth();
    if (problems.length > 0) throw unhealthy(problems);
    return {
      status: 'ok' as const,
      version: ctx.config.version,
      store: ctx.store.dialect,
      startedAt: ctx.startedAt,
      now: ctx.now(),
    };
  });

  app.get(ROUTES.summary, { schema: { response: { 200: SummarySchema } } }, async () => ctx.store.summary());
}

/** The 503 naming each problem: `database unreachable: …; disk full: …`, one detail each. */
function unhealthy(problems: StoreHealthProblem[]): AppError {
  const lines = problems.map((p) => `${PROBLEM_NAMES[p.problem]}: ${p.message}`);
  return new AppError('store_unavailable', lines.join('; '), {
    details: problems.map((p, i) => ({ path: `/store/${p.problem}`, message: lines[i] as string })),
  });
}
