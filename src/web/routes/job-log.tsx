// The job page's log viewer: the fragments htmx asks for (the log's end, then what came after an
// offset, held by the logs API until something new arrives when the request says `wait`) and the
// whole log as a download.

import type { FastifyInstance } from 'fastify';
import { LOG_POLL_BYTES, LogAppend, LogBox, logWait, readLogEnd, wholeLog } from '../log-viewer.tsx';
import { choice, int, type PageContext } from '../page.ts';
import type { ViewerKit } from './viewer.tsx';

/** The job, stream and attempt a log URL names (the attempt capped at the job's latest). */
async function logOf(ctx: PageContext) {
  const jobId = Number(ctx.params.id);
  const stream = choice(ctx.query, 'stream', ['out', 'err'] as const, 'out');
  const { job } = await ctx.api.getJob(jobId);
  const attempt = Math.min(int(ctx.query, 'attempt', 1) ?? job.attempt, job.attempt);
  return { log: { jobId, stream, attempt }, attempts: job.attempt };
}

export function registerJobLog(scope: FastifyInstance, kit: ViewerKit): void {
  scope.get(
    '/jobs/:id/log',
    kit.asViewer(async (request, reply, session) => {
      const ctx = kit.contextOf(request, session);
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
      try {
        const { log, attempts } = await logOf(ctx);
        const offset = int(ctx.query, 'offset');
        if (offset === undefined) {
          const end = await readLogEnd(ctx.api, log);
          return kit.fragment(
            <LogBox log={log} slice={end.slice} skipped={end.skipped} attempts={attempts} />,
          );
        }
        const wait = logWait(Math.min(int(ctx.query, 'wait') ?? 0, kit.live.waitSeconds));
        const slice = await ctx.api.jobLogs(log.jobId, {
          stream: log.stream,
          attempt: log.attempt,
          offset,
          limit: LOG_POLL_BYTES,
          ...(wait > 0 ? { wait } : {}),
        });
        return kit.fragment(<LogAppend log={log} slice={slice} />);
      } catch (error) {
        const page = kit.failure(error, request);
        reply.code(page.status ?? 500);
        return kit.fragment(page.body);
      }
    }),
  );

  scope.get(
    '/jobs/:id/log/download',
    kit.asViewer(async (request, reply, session) => {
      const ctx = kit.contextOf(request, session);
      try {
        const { log } = await logOf(ctx);
        const text = await wholeLog(ctx.api, log);
        return reply
          .type('text/plain; charset=utf-8')
          .header(
            'content-disposition',
            `attachment; filename="job-${log.jobId}-${log.attempt}.${log.stream}.txt"`,
          )
          .send(text);
      } catch (error) {
        return kit.send(request, reply, kit.failure(error, request), null, session);
      }
    }),
  );
}
