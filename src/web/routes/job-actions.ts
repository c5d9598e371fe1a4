// The job page's kill and retry buttons: refused across sites (CSRF), done through the API as the
// viewer, answered with the job page and a line saying what happened.

import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../protocol/client.ts';
import { refuseCrossSite } from '../action-guard.ts';
import { jobPage } from '../pages/job.tsx';
import type { ViewerKit } from './viewer.tsx';

export function registerJobActions(scope: FastifyInstance, kit: ViewerKit): void {
  for (const action of ['kill', 'retry'] as const) {
    const act = kit.asViewer(async (request, reply, session) => {
      const ctx = { ...kit.contextOf(request, session), target: 'live' };
      const id = Number(ctx.params.id);
      let flash: { error?: string; done?: string };
      try {
        if (action === 'kill') {
          const { immediate } = await ctx.api.killJob(id);
          flash = {
            done: immediate
              ? `Job ${id} cancelled.`
              : `Kill sent: the pilot stops job ${id} at its next heartbeat.`,
          };
        } else {
          const { job } = await ctx.api.retryJob(id);
          flash = { done: `Job ${id} queued again as attempt ${job.attempt}.` };
        }
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        // A session that ended in between: asViewer sends the viewer to log in again.
        if (error.status === 401 && session.token !== null) throw error;
        const why = error.status === 401 ? 'log in first: it needs a user or admin token' : error.message;
        flash = { error: `Could not ${action} job ${id}: ${why}` };
      }
      // The page after the action, its live region following the job from there.
      const after = await kit.page(request, session, (page) => jobPage({ ...page, target: 'live' }, flash));
      return kit.deliver(reply, after);
    });
    scope.post(`/jobs/:id/${action}`, async (request, reply) => {
      const refused = refuseCrossSite(request.headers);
      if (refused) return reply.code(403).type('text/plain; charset=utf-8').send(`${refused}\n`);
      return act(request, reply);
    });
  }
}
