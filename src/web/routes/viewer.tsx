// What every monitor route shares: who the viewer is (the session cookie's token as the API knows
// it), sending a page (whole, or the part htmx swaps), redirects, and an API failure as a page.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import type { ReadPolicy } from '../../core/index.ts';
import { ApiError } from '../../protocol/client.ts';
import { Empty, PageHead } from '../components.tsx';
import { renderDocument, renderFragment, type ShellInfo } from '../layout.tsx';
import {
  LIVE_WAIT_SECONDS,
  type LiveRender,
  LiveRenderContext,
  type Reads,
  readsVersion,
  recordingApi,
} from '../live.tsx';
import type { MonitorApi } from '../monitor-api.ts';
import type { PageContext, PageResult, RawQuery } from '../page.ts';
import { isTokenShaped, loginUrl, mayLogIn, SESSION_COOKIE, type Viewer, viewerOf } from '../session.ts';

export interface MonitorOptions {
  /** The JSON API as seen with a token (the viewer's, from the session cookie), or anonymously (null). */
  apiFor: (token: string | null) => MonitorApi;
  /** The server's read policy: under `token` every page needs a login. */
  readPolicy: ReadPolicy;
  now: () => number;
  info: ShellInfo;
  /**
   * Holds a read (a live region's request) until `ready(look())`, `waitSeconds` pass or the caller
   * hangs up, looking again after every change the store signals. Absent: answers at once.
   */
  hold?: <T>(
    reply: FastifyReply,
    waitSeconds: number,
    look: () => Promise<T>,
    ready: (value: T) => boolean,
  ) => Promise<T>;
  /** Longest a live region's request is held, in seconds (default LIVE_WAIT_SECONDS). */
  liveWaitSeconds?: number;
}

/** A page rendered for one request: the HTML, its status, and the version of what its live regions show. */
export interface RenderedPage {
  html: string;
  status: number;
  /** The URL to push to the browser's history (an htmx navigation to another view). */
  pushUrl?: string;
  version?: string;
}

/** One request's view of the API: who the viewer is and the API carrying their token. */
export interface Session {
  api: MonitorApi;
  viewer: Viewer | null;
  /** The session cookie's token, or null for an anonymous viewer. */
  token: string | null;
}

type Opened = { session: Session } | { login: string; clear: boolean };

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export const header = (request: FastifyRequest, name: string) => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

export const isHtmx = (request: FastifyRequest) => header(request, 'hx-request') === 'true';

export const isUnauthorized = (error: unknown) => error instanceof ApiError && error.status === 401;

/** The page the viewer is on: for htmx requests the browser's URL (HX-Current-URL), else this one. */
export function currentPath(request: FastifyRequest): string {
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
export function redirect(request: FastifyRequest, reply: FastifyReply, to: string) {
  reply.header('cache-control', 'no-store');
  if (isHtmx(request))
    return reply.code(200).header('hx-redirect', to).type('text/html; charset=utf-8').send('');
  return reply.redirect(to, 303);
}

/** The session cookie's attributes: never readable by scripts, never sent by other sites' requests. */
export function cookieOptions(request: FastifyRequest, maxAge?: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: request.protocol === 'https',
    ...(maxAge === undefined ? {} : { maxAge }),
  };
}

/** The helpers of one mounted monitor, bound to its options. */
export interface ViewerKit {
  options: MonitorOptions;
  openSession(request: FastifyRequest): Promise<Opened>;
  contextOf(request: FastifyRequest, session: Session): PageContext;
  /** How live regions render (the wait they ask for); the log viewer's follower asks the same. */
  live: LiveRender;
  /**
   * Runs a page handler as the viewer and renders its answer: the part htmx swaps, or (first load,
   * history restore) the whole document; its live regions carry the version of what it read.
   */
  page(
    request: FastifyRequest,
    session: Session,
    handler: (ctx: PageContext) => Promise<PageResult>,
  ): Promise<RenderedPage>;
  /** Sends a rendered page (no-store: every view is read fresh). */
  deliver(reply: FastifyReply, page: RenderedPage): unknown;
  /** A fragment without the shell, its live regions asking for this monitor's wait. */
  fragment(body: ComponentChildren): string;
  send(
    request: FastifyRequest,
    reply: FastifyReply,
    result: PageResult,
    target: string | null,
    shell: { viewer: Viewer | null; noLoginLink?: boolean },
  ): unknown;
  /**
   * A route that reads as the viewer: opens the session (or sends the viewer to log in) and runs
   * `handle`; an API 401 on the way means the session ended (or reading needs one).
   */
  asViewer(
    handle: (request: FastifyRequest, reply: FastifyReply, session: Session) => Promise<unknown>,
  ): Handler;
  /** An API failure as a page; a 401 is rethrown for asViewer (it sends the viewer to log in). */
  failure(error: unknown, request: FastifyRequest): PageResult;
}

export function viewerKit(options: MonitorOptions): ViewerKit {
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
    return { session: { api: options.apiFor(null), viewer: null, token: null } };
  };

  const toLogin = (request: FastifyRequest, reply: FastifyReply, to: string, clear: boolean) => {
    if (clear) reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
    return redirect(request, reply, to);
  };

  const contextOf = (request: FastifyRequest, session: Session): PageContext => ({
    api: session.api,
    viewer: session.viewer,
    now: options.now(),
    query: (request.query ?? {}) as RawQuery,
    params: (request.params ?? {}) as Record<string, string>,
    target: header(request, 'hx-target') ?? null,
  });

  const live: LiveRender = { waitSeconds: options.liveWaitSeconds ?? LIVE_WAIT_SECONDS };

  const render = (
    request: FastifyRequest,
    result: PageResult,
    target: string | null,
    shell: { viewer: Viewer | null; noLoginLink?: boolean },
    version?: string,
  ): RenderedPage => {
    const body = (
      <LiveRenderContext.Provider value={{ ...live, version }}>{result.body}</LiveRenderContext.Provider>
    );
    // htmx swaps part of the page (hx-select); a history restore needs the whole document.
    const partial = isHtmx(request) && header(request, 'hx-history-restore-request') !== 'true';
    const html = partial
      ? renderFragment(body)
      : renderDocument({
          title: result.title,
          nav: result.nav,
          info: options.info,
          session: { ...shell, here: currentPath(request) },
          charts: result.charts,
          body,
        });
    const pushUrl = partial && result.url && !(target ?? '').startsWith('live') ? result.url : undefined;
    return { html, status: result.status ?? 200, pushUrl, version };
  };

  const page: ViewerKit['page'] = async (request, session, handler) => {
    const reads: Reads = [];
    const ctx = contextOf(request, { ...session, api: recordingApi(session.api, reads) });
    let result: PageResult;
    try {
      result = await handler(ctx);
    } catch (error) {
      result = failure(error, request);
    }
    // A failure page has no live region to version.
    const version = result.status !== undefined && result.status >= 400 ? undefined : readsVersion(reads);
    return render(request, result, ctx.target, session, version);
  };

  const deliver: ViewerKit['deliver'] = (reply, page) => {
    if (page.pushUrl) reply.header('hx-push-url', page.pushUrl);
    return reply
      .code(page.status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(page.html);
  };

  const fragment = (body: ComponentChildren) =>
    renderFragment(<LiveRenderContext.Provider value={live}>{body}</LiveRenderContext.Provider>);

  const send: ViewerKit['send'] = (request, reply, result, target, shell) =>
    deliver(reply, render(request, result, target, shell));

  const asViewer: ViewerKit['asViewer'] = (handle) => async (request, reply) => {
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
      return toLogin(request, reply, loginUrl(currentPath(request), ended ? 'expired' : 'required'), ended);
    }
  };

  const failure = (error: unknown, request: FastifyRequest): PageResult => {
    if (isUnauthorized(error)) throw error;
    return errorPage(error, request);
  };

  return { options, openSession, contextOf, live, page, deliver, fragment, send, asViewer, failure };
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
