// GET /api/v1/jobs/:id/why: the store gathers the facts in one snapshot, core/why.ts says what they mean.

import { NotFoundError } from '../../core/errors.ts';
import { explainJob } from '../../core/why.ts';
import { ROUTES } from '../../protocol/routes.ts';
import { IdParams } from '../../protocol/schemas/common.ts';
import { JobWhySchema } from '../../protocol/schemas/job-why.ts';
import type { AppContext, TypedApp } from '../app.ts';

export function registerJobWhyRoute(app: TypedApp, ctx: AppContext): void {
  app.get(
    ROUTES.jobWhy,
    { schema: { params: IdParams, response: { 200: JobWhySchema } } },
    async (request) => {
      const { id } = request.params;
      const facts = await ctx.store.jobWhyFacts(id, ctx.now());
      if (!facts) throw new NotFoundError('job', id);
      return { jobId: id, state: facts.job.state, reasons: explainJob(facts) };
    },
  );
}
