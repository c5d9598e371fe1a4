// Logging in and out: the form takes a token, the API says who it is (whoami), and a user's or
// admin's token becomes the session cookie; logging out clears it. Both refused across sites.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../../protocol/client.ts';
import type { WhoAmI } from '../../protocol/schemas/auth.ts';
import { refuseCrossSite } from '../action-guard.ts';
import { one, type RawQuery } from '../page.ts';
import { loginPage } from '../pages/login.tsx';
import {
  isLoginReason,
  isTokenShaped,
  LOGIN_REASONS,
  loginUrl,
  mayLogIn,
  SESSION_COOKIE,
  safeNext,
  sessionMaxAge,
  type Viewer,
} from '../session.ts';
import { cookieOptions, isUnauthorized, redirect, type ViewerKit } from './viewer.tsx';

export function registerLogin(scope: FastifyInstance, kit: ViewerKit): void {
  const { options } = kit;

  /** The viewer of a valid session cookie, or null (an unusable cookie is cleared). */
  const softViewer = async (request: FastifyRequest, reply: FastifyReply): Promise<Viewer | null> => {
    if (request.cookies[SESSION_COOKIE] === undefined) return null;
    try {
      const opened = await kit.openSession(request);
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
    kit.send(request, reply, loginPage({ ...page, readPolicy: options.readPolicy }), null, {
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
}
