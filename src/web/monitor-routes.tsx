// Mounts the web monitor on a Fastify app: the pages, the log viewer's fragments and download,
// the kill/retry buttons' action routes (CSRF-guarded), and the static assets from node_modules.
// Everything it shows comes through the MonitorApi, i.e. the public JSON API.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../protocol/client.ts';
import { refuseCrossSite } from './action-guard.ts';
import { Empty, PageHead } from './components.tsx';
import { renderDocument, renderFragment, type ShellInfo } from './layout.tsx';
import { LOG_POLL_BYTES, LogAppend, LogBox, readLogEnd, wholeLog } from './log-viewer.tsx';
import type { MonitorApi } from './monitor-api.ts';
import { choice, int, type PageContext, type PageHandler, type PageResult, type RawQuery } from './page.ts';
import { dagPage, dagsPage } from './pages/dags.tsx';
import { datasetsPage } from './pages/datasets.tsx';
import { jobPage } from './pages/job.tsx';
import { jobsPage } from './pages/jobs.tsx';
import { overviewPage } from './pages/overview.tsx';
import { pilotPage } from './pages/pilot.tsx';
import { pilotsPage } from './pages/pilots.tsx';
import { sitesPage } from './pages/sites.tsx';
import { workflowPage } from './pages/workflow.tsx';
import { workflowsPage } from './pages/workflows.tsx';

export interface MonitorOptions {
  api: MonitorApi;
  now: () => number;
  info: ShellInfo;
}

/** Every page of the monitor: path → handler (docs/guides/monitor.md lists them). */
export const PAGES: Record<string, PageHandler> = {
  '/': overviewPage,
  '/jobs': jobsPage,
  '/jobs/:id': (ctx) => jobPage(ctx),
  '/pilots': pilotsPage,
  '/pilots/:id': pilotPage,
  '/workflows': workflowsPage,
  '/workflows/:id': workflowPage,
  '/dags': dagsPage,
  '/dags/:name': dagPage,
  '/datasets': datasetsPage,
  '/sites': sitesPage,
};

const require = createRequire(import.meta.url);

/** src/web/assets, also when running from dist/web (the assets are not compiled). */
function ownAssetsDir(): string {
  const here = import.meta.dirname;
  const beside = join(here, 'assets');
  return existsSync(join(beside, 'monitor.js')) ? beside : join(here, '..', '..', 'src', 'web', 'assets');
}

export function assetFiles(): Record<string, string> {
  const own = ownAssetsDir();
  return {
    'htmx.min.js': require.resolve('htmx.org/dist/htmx.min.js'),
    'uPlot.iife.min.js': require.resolve('uplot/dist/uPlot.iife.min.js'),
    'uPlot.min.css': require.resolve('uplot/dist/uPlot.min.css'),
    'monitor.css': join(own, 'monitor.css'),
    'monitor.js': join(own, 'monitor.js'),
  };
}

const header = (request: FastifyRequest, name: string) => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

export async function registerMonitor(app: FastifyInstance, options: MonitorOptions): Promise<void> {
  // Encapsulated: the form-body parser the buttons need stays out of the JSON API.
  await app.register(async (scope) => {
    const files = assetFiles();
    const names = new Set(Object.keys(files));
    await scope.register(fastifyStatic, {
      root: [...new Set(Object.values(files).map((f) => dirname(f)))],
      prefix: '/assets/',
      allowedPath: (path) => names.has(path.replace(/^\//, '')),
      index: false,
      maxAge: '1h',
    });
    // htmx posts the buttons as an empty form; the body carries nothing the routes read.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_req, _body, done) => done(null, {}),
    );

    const contextOf = (request: FastifyRequest): PageContext => ({
      api: options.api,
      now: options.now(),
      query: (request.query ?? {}) as RawQuery,
      params: (request.params ?? {}) as Record<string, string>,
      target: header(request, 'hx-target') ?? null,
    });

    const send = (
      request: FastifyRequest,
      reply: FastifyReply,
      result: PageResult,
      target: string | null,
    ) => {
      // htmx swaps part of the page (hx-select); a history restore needs the whole document.
      const partial =
        header(request, 'hx-request') === 'true' && header(request, 'hx-history-restore-request') !== 'true';
      if (partial && result.url && !(target ?? '').startsWith('live'))
        reply.header('hx-push-url', result.url);
      reply
        .code(result.status ?? 200)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store');
      return partial
        ? renderFragment(result.body)
        : renderDocument({
            title: result.title,
            nav: result.nav,
            info: options.info,
            charts: result.charts,
            body: result.body,
          });
    };

    for (const [path, handler] of Object.entries(PAGES)) {
      scope.get(path, async (request, reply) => {
        const ctx = contextOf(request);
        let result: PageResult;
        try {
          result = await handler(ctx);
        } catch (error) {
          result = errorPage(error, request);
        }
        return send(request, reply, result, ctx.target);
      });
    }

    scope.get('/jobs/:id/log', async (request, reply) => {
      const ctx = contextOf(request);
      const jobId = Number(ctx.params.id);
      const stream = choice(ctx.query, 'stream', ['out', 'err'] as const, 'out');
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
      try {
        const { job } = await options.api.getJob(jobId);
        const log = {
          jobId,
          stream,
          attempt: Math.min(int(ctx.query, 'attempt', 1) ?? job.attempt, job.attempt),
        };
        const offset = int(ctx.query, 'offset');
        if (offset === undefined) {
          const end = await readLogEnd(options.api, log);
          return renderFragment(
            <LogBox log={log} slice={end.slice} skipped={end.skipped} attempts={job.attempt} />,
          );
        }
        const slice = await options.api.jobLog(jobId, {
          stream,
          attempt: log.attempt,
          offset,
          limit: LOG_POLL_BYTES,
        });
        return renderFragment(<LogAppend log={log} slice={slice} />);
      } catch (error) {
        const page = errorPage(error, request);
        reply.code(page.status ?? 500);
        return renderFragment(page.body);
      }
    });

    scope.get('/jobs/:id/log/download', async (request, reply) => {
      const ctx = contextOf(request);
      const jobId = Number(ctx.params.id);
      const stream = choice(ctx.query, 'stream', ['out', 'err'] as const, 'out');
      try {
        const { job } = await options.api.getJob(jobId);
        const attempt = Math.min(int(ctx.query, 'attempt', 1) ?? job.attempt, job.attempt);
        const text = await wholeLog(options.api, { jobId, attempt, stream });
        return reply
          .type('text/plain; charset=utf-8')
          .header('content-disposition', `attachment; filename="job-${jobId}-${attempt}.${stream}.txt"`)
          .send(text);
      } catch (error) {
        const page = errorPage(error, request);
        return send(request, reply, page, null);
      }
    });

    for (const action of ['kill', 'retry'] as const) {
      scope.post(`/jobs/:id/${action}`, async (request, reply) => {
        const refused = refuseCrossSite(request.headers);
        if (refused) return reply.code(403).type('text/plain; charset=utf-8').send(`${refused}\n`);
        const ctx = { ...contextOf(request), target: 'live' };
        const id = Number(ctx.params.id);
        let flash: { error?: string; done?: string };
        try {
          if (action === 'kill') {
            const { immediate } = await options.api.killJob(id);
            flash = {
              done: immediate
                ? `Job ${id} cancelled.`
                : `Kill sent: the pilot stops job ${id} at its next heartbeat.`,
            };
          } else {
            const { job } = await options.api.retryJob(id);
            flash = { done: `Job ${id} queued again as attempt ${job.attempt}.` };
          }
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          flash = { error: `Could not ${action} job ${id}: ${error.message}` };
        }
        return send(request, reply, await jobPage(ctx, flash), 'live');
      });
    }
  });
}

/** An API failure as a page: the API's message and status (a missing database is a 503). */
function errorPage(error: unknown, request: FastifyRequest): PageResult {
  const status = error instanceof ApiError ? error.status : 500;
  if (!(error instanceof ApiError) || status >= 500)
    request.log.error({ err: error, url: request.url }, 'monitor page failed');
  const message = error instanceof ApiError ? error.message : 'internal error; see the server log';
  return {
    title: 'Error',
    nav: null,
    status,
    body: (
      <>
        <PageHead title={status === 404 ? 'Not found' : 'Something went wrong'} />
        <Empty>
          <p>{message}</p>
          <p>
            <a href="/">Overview</a>
          </p>
        </Empty>
      </>
    ),
  };
}
