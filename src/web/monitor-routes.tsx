// Mounts the web monitor on a Fastify app: the pages, the log viewer's fragments and download,
// the kill/retry buttons' action routes (CSRF-guarded), login and logout (the session cookie), and
// the static assets from node_modules. Everything it shows comes through the MonitorApi, i.e. the
// public JSON API, called with the viewer's token: the API decides what each viewer may read and do.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ReadPolicy } from '../core/index.ts';
import { ApiError } from '../protocol/client.ts';
import type { WhoAmI } from '../protocol/schemas/auth.ts';
import { refuseCrossSite } from './action-guard.ts';
import { Empty, PageHead } from './components.tsx';
import { renderDocument, renderFragment, type ShellInfo } from './layout.tsx';
import { LOG_POLL_BYTES, LogAppend, LogBox, readLogEnd, wholeLog } from './log-viewer.tsx';
import type { MonitorApi } from './monitor-api.ts';
import {
  choice,
  int,
  one,
  type PageContext,
  type PageHandler,
  type PageResult,
  type RawQuery,
} from './page.ts';
import { auditPage } from './pages/audit.tsx';
import { dagPage, dagsPage } from './pages/dags.tsx';
import { datasetsPage } from './pages/datasets.tsx';
import { jobPage } from './pages/job.tsx';
import { jobsPage } from './pages/jobs.tsx';
import { loginPage } from './pages/login.tsx';
import { overviewPage } from './pages/overview.tsx';
import { pilotPage } from './pages/pilot.tsx';
import { pilotsPage } from './pages/pilots.tsx';
import { sitesPage } from './pages/sites.tsx';
import { workerPage, workersPage } from './pages/workers.tsx';
import { workflowPage } from './pages/workflow.tsx';
import { workflowsPage } from './pages/workflows.tsx';
import {
  FORM_BODY_LIMIT,
  isLoginReason,
  isTokenShaped,
  LOGIN_REASONS,
  loginUrl,
  mayLogIn,
  SESSION_COOKIE,
  safeNext,
  sessionMaxAge,
  type Viewer,
  viewerOf,
} from './session.ts';

export interface MonitorOptions {
  /** The JSON API as seen with a token (the viewer's, from the session cookie), or anonymously (null). */
  apiFor: (token: string | null) => MonitorApi;
  /** The server's read policy: under `token` every page needs a login. */
  readPolicy: ReadPolicy;
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
  '/workers': workersPage,
  '/workers/:id': workerPage,
  '/audit': auditPage,
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

const isHtmx = (request: FastifyRequest) => header(request, 'hx-request') === 'true';

const isUnauthorized = (error: unknown) => error instanceof ApiError && error.status === 401;

/** The page the viewer is on: for htmx requests the browser's URL (HX-Current-URL), else this one. */
function currentPath(request: FastifyRequest): string {
  const current = header(request, 'hx-current-url');
  if (isHtmx(request) && current) {
    try {
      const url = new URL(current);
      return `${url.pathname}${url.search}`;
    } catch {
      // fall through: the request's own URL
    }
  }
  return request.url;
}

/** Sends the browser to `to`: a 303, or for htmx (which would follow a redirect in place) HX-Redirect. */
function redirect(request: FastifyRequest, reply: FastifyReply, to: string) {
  reply.header('cache-control', 'no-store');
  if (isHtmx(request))
    return reply.code(200).header('hx-redirect', to).type('text/html; charset=utf-8').send('');
  return reply.redirect(to, 303);
}

/** The session cookie's attributes: never readable by scripts, never sent by other sites' requests. */
function cookieOptions(request: FastifyRequest, maxAge?: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: request.protocol === 'https',
    ...(maxAge === undefined ? {} : { maxAge }),
  };
}

/** One request's view of the API: who the viewer is and the API carrying their token. */
interface Session {
  api: MonitorApi;
  viewer: Viewer | null;
  /** The session cookie's token, or null for an anonymous viewer. */
  token: string | null;
}

type Opened = { session: Session } | { login: string; clear: boolean };

export async function registerMonitor(app: FastifyInstance, options: MonitorOptions): Promise<void> {
  const anonymous = (): Session => ({ api: options.apiFor(null), viewer: null, token: null });

  /**
   * Who sends this request: the session cookie's token as the API knows it (whoami), or nobody.
   * A cookie the API refuses (expired, revoked, unknown, a pilot's) ends the session; under the
   * token read policy a viewer without one is sent to log in.
   */
  const openSession = async (request: FastifyRequest): Promise<Opened> => {
    const cookie = request.cookies[SESSION_COOKIE];
    const here = currentPath(request);
    if (cookie !== undefined) {
      if (isTokenShaped(cookie)) {
        const api = options.apiFor(cookie);
        try {
          const me = await api.whoami();
          if (mayLogIn(me.role)) return { session: { api, viewer: viewerOf(me), token: cookie } };
        } catch (error) {
          if (!isUnauthorized(error)) throw error;
        }
      }
      return { login: loginUrl(here, 'expired'), clear: true };
    }
    if (options.readPolicy === 'token') return { login: loginUrl(here, 'required'), clear: false };
    return { session: anonymous() };
  };

  const toLogin = (request: FastifyRequest, reply: FastifyReply, to: string, clear: boolean) => {
    if (clear) reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
    return redirect(request, reply, to);
  };

  // Encapsulated: the cookie plugin and the form-body parser stay out of the JSON API.
  await app.register(async (scope) => {
    await scope.register(fastifyCookie);
    const files = assetFiles();
    const names = new Set(Object.keys(files));
    await scope.register(fastifyStatic, {
      root: [...new Set(Object.values(files).map((f) => dirname(f)))],
      prefix: '/assets/',
      allowedPath: (path) => names.has(path.replace(/^\//, '')),
      index: false,
      maxAge: '1h',
    });
    // The buttons post an empty form, the login form a token and where to go next: small bodies.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
      (_req, body, done) => done(null, new URLSearchParams(String(body))),
    );

    const contextOf = (request: FastifyRequest, session: Session): PageContext => ({
      api: session.api,
      viewer: session.viewer,
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
      shell: { viewer: Viewer | null; noLoginLink?: boolean },
    ) => {
      // htmx swaps part of the page (hx-select); a history restore needs the whole document.
      const partial = isHtmx(request) && header(request, 'hx-history-restore-request') !== 'true';
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
            session: { ...shell, here: currentPath(request) },
            charts: result.charts,
            body: result.body,
          });
    };

    /**
     * A route that reads as the viewer: opens the session (or sends the viewer to log in) and runs
     * `handle`; an API 401 on the way means the session ended (or reading needs one).
     */
    const asViewer =
      (handle: (request: FastifyRequest, reply: FastifyReply, session: Session) => Promise<unknown>) =>
      async (request: FastifyRequest, reply: FastifyReply) => {
        let opened: Opened;
        try {
          opened = await openSession(request);
        } catch (error) {
          return send(request, reply, errorPage(error, request), null, { viewer: null });
        }
        if ('login' in opened) return toLogin(request, reply, opened.login, opened.clear);
        const { session } = opened;
        try {
          return await handle(request, reply, session);
        } catch (error) {
          if (!isUnauthorized(error)) throw error;
          const ended = session.token !== null;
          return toLogin(
            request,
            reply,
            loginUrl(currentPath(request), ended ? 'expired' : 'required'),
            ended,
          );
        }
      };

    /** An API failure as a page; a 401 is left to asViewer (it sends the viewer to log in). */
    const failure = (error: unknown, request: FastifyRequest): PageResult => {
      if (isUnauthorized(error)) throw error;
      return errorPage(error, request);
    };

    for (const [path, handler] of Object.entries(PAGES)) {
      scope.get(
        path,
        asViewer(async (request, reply, session) => {
          const ctx = contextOf(request, session);
          let result: PageResult;
          try {
            result = await handler(ctx);
          } catch (error) {
            result = failure(error, request);
          }
          return send(request, reply, result, ctx.target, session);
        }),
      );
    }

    scope.get(
      '/jobs/:id/log',
      asViewer(async (request, reply, session) => {
        const ctx = contextOf(request, session);
        const jobId = Number(ctx.params.id);
        const stream = choice(ctx.query, 'stream', ['out', 'err'] as const, 'out');
        reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
        try {
          const { job } = await ctx.api.getJob(jobId);
          const log = {
            jobId,
            stream,
            attempt: Math.min(int(ctx.query, 'attempt', 1) ?? job.attempt, job.attempt),
          };
          const offset = int(ctx.query, 'offset');
          if (offset === undefined) {
            const end = await readLogEnd(ctx.api, log);
            return renderFragment(
              <LogBox log={log} slice={end.slice} skipped={end.skipped} attempts={job.attempt} />,
            );
          }
          const slice = await ctx.api.jobLog(jobId, {
            stream,
            attempt: log.attempt,
            offset,
            limit: LOG_POLL_BYTES,
          });
          return renderFragment(<LogAppend log={log} slice={slice} />);
        } catch (error) {
          const page = failure(error, request);
          reply.code(page.status ?? 500);
          return renderFragment(page.body);
        }
      }),
    );

    scope.get(
      '/jobs/:id/log/download',
      asViewer(async (request, reply, session) => {
        const ctx = contextOf(request, session);
        const jobId = Number(ctx.params.id);
        const stream = choice(ctx.query, 'stream', ['out', 'err'] as const, 'out');
        try {
          const { job } = await ctx.api.getJob(jobId);
          const attempt = Math.min(int(ctx.query, 'attempt', 1) ?? job.attempt, job.attempt);
          const text = await wholeLog(ctx.api, { jobId, attempt, stream });
          return reply
            .type('text/plain; charset=utf-8')
            .header('content-disposition', `attachment; filename="job-${jobId}-${attempt}.${stream}.txt"`)
            .send(text);
        } catch (error) {
          return send(request, reply, failure(error, request), null, session);
        }
      }),
    );

    for (const action of ['kill', 'retry'] as const) {
      const act = asViewer(async (request, reply, session) => {
        const ctx = { ...contextOf(request, session), target: 'live' };
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
        return send(request, reply, await jobPage(ctx, flash), 'live', session);
      });
      scope.post(`/jobs/:id/${action}`, async (request, reply) => {
        const refused = refuseCrossSite(request.headers);
        if (refused) return reply.code(403).type('text/plain; charset=utf-8').send(`${refused}\n`);
        return act(request, reply);
      });
    }

    /** The viewer of a valid session cookie, or null (an unusable cookie is cleared). */
    const softViewer = async (request: FastifyRequest, reply: FastifyReply): Promise<Viewer | null> => {
      if (request.cookies[SESSION_COOKIE] === undefined) return null;
      try {
        const opened = await openSession(request);
        if ('session' in opened) return opened.session.viewer;
        if (opened.clear) reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
      } catch {
        // The API cannot say (e.g. its database is down): show the form anyway.
      }
      return null;
    };

    const showLogin = (
      request: FastifyRequest,
      reply: FastifyReply,
      page: Omit<Parameters<typeof loginPage>[0], 'readPolicy'>,
    ) =>
      send(request, reply, loginPage({ ...page, readPolicy: options.readPolicy }), null, {
        viewer: page.viewer,
        noLoginLink: true,
      });

    scope.get('/login', async (request, reply) => {
      const query = (request.query ?? {}) as RawQuery;
      const reason = one(query, 'reason');
      return showLogin(request, reply, {
        next: safeNext(one(query, 'next')),
        viewer: await softViewer(request, reply),
        notice: isLoginReason(reason) ? LOGIN_REASONS[reason] : undefined,
      });
    });

    scope.post('/login', async (request, reply) => {
      const refused = refuseCrossSite(request.headers, { form: true });
      if (refused) return reply.code(403).type('text/plain; charset=utf-8').send(`${refused}\n`);
      const form = request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
      const next = safeNext(form.get('next'));
      const token = form.get('token')?.trim();
      const refuse = (error: string, status: number) =>
        showLogin(request, reply, { next, viewer: null, error, status });
      if (!isTokenShaped(token))
        return refuse('Paste a token: p3s_ followed by letters and digits, no spaces.', 400);
      let me: WhoAmI;
      try {
        me = await options.apiFor(token).whoami();
      } catch (error) {
        if (!isUnauthorized(error)) throw error;
        return refuse(`The server refused this token: ${(error as ApiError).message}.`, 403);
      }
      if (!mayLogIn(me.role))
        return refuse(
          `"${me.name}" is a ${me.role} token: it runs pilots and reads nothing here. Log in with a user or admin token.`,
          403,
        );
      reply.setCookie(
        SESSION_COOKIE,
        token,
        cookieOptions(request, sessionMaxAge(me.expiresAt, options.now())),
      );
      return redirect(request, reply, next);
    });

    scope.post('/logout', async (request, reply) => {
      const refused = refuseCrossSite(request.headers, { form: true });
      if (refused) return reply.code(403).type('text/plain; charset=utf-8').send(`${refused}\n`);
      reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
      return redirect(request, reply, loginUrl('/', 'logged-out'));
    });
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
        <PageHead
          title={status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : 'Something went wrong'}
        />
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
