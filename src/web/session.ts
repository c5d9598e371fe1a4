// The monitor's login session: the viewer's token lives in an HttpOnly, SameSite=Strict cookie
// (page scripts cannot read it, other sites' requests do not carry it). Each request sends it to
// the JSON API as a bearer token; the API says who it is (whoami) and what it may do. Pure helpers:
// what a session cookie may hold, how long it lives, where a login may lead afterwards.

import { mayManage, type Principal, type Role } from '../core/index.ts';
import type { WhoAmI } from '../protocol/schemas/auth.ts';

export const SESSION_COOKIE = 'p3s_session';

/** The longest a login lasts (a token that expires sooner ends it sooner). */
export const SESSION_MAX_AGE_SECONDS = 12 * 3600;

/** Largest login/logout form body: a token and a `next` path. */
export const FORM_BODY_LIMIT = 8 * 1024;

/** Who looks at the monitor: the principal of the session's token (with its expiry). */
export type Viewer = Principal;

export function viewerOf(me: WhoAmI): Viewer {
  return { tokenId: me.tokenId, name: me.name, role: me.role, site: me.site, expiresAt: me.expiresAt };
}

/** Roles that may log in to the monitor: a pilot token reads nothing there. */
export function mayLogIn(role: Role): boolean {
  return role === 'user' || role === 'admin';
}

/**
 * Whether the viewer gets the buttons that change `owner`'s things (kill, retry): admins, and users
 * on what they own. The API decides again when the button is pressed.
 */
export function mayAct(viewer: Viewer | null, owner: string): boolean {
  return viewer !== null && mayManage(viewer, owner);
}

/** What a session cookie or a pasted token may be: printable ASCII without spaces, not too long. */
const TOKEN_SHAPE = /^[\x21-\x7e]{1,256}$/;

export function isTokenShaped(value: string | undefined): value is string {
  return value !== undefined && TOKEN_SHAPE.test(value);
}

/** The cookie's Max-Age in seconds: the session's lifetime, cut at the token's expiry. */
export function sessionMaxAge(expiresAt: number | null, now: number): number {
  if (expiresAt === null) return SESSION_MAX_AGE_SECONDS;
  return Math.max(0, Math.min(SESSION_MAX_AGE_SECONDS, Math.floor((expiresAt - now) / 1000)));
}

const BASE = 'http://monitor.invalid';

/**
 * A local path (with its query) to go to after logging in, or `/`. Anything that could leave this
 * site is refused (an open redirect): absolute URLs, `//host` and `/\host` (which browsers read as
 * `//host`), other schemes, control characters; so are the login and logout routes themselves.
 */
export function safeNext(value: string | null | undefined): string {
  if (!value || value.length > 2048 || !value.startsWith('/')) return '/';
  if (value.startsWith('//') || value.includes('\\') || /[\u0000-\u001f\u007f]/.test(value)) return '/';
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return '/';
  }
  if (url.origin !== BASE) return '/';
  if (url.pathname === '/login' || url.pathname === '/logout') return '/';
  return `${url.pathname}${url.search}`;
}

/** Why the login page is shown, as a message (the reason is a fixed word, never text from the URL). */
export const LOGIN_REASONS = {
  expired: 'Your session ended: its token expired or was revoked. Log in again.',
  'logged-out': 'You are logged out.',
  required: 'This server shows jobs, pilots and workflows only to those with a token. Log in to continue.',
} as const;
export type LoginReason = keyof typeof LOGIN_REASONS;

export function isLoginReason(value: string | undefined): value is LoginReason {
  return value !== undefined && Object.hasOwn(LOGIN_REASONS, value);
}

/** `/login?next=…&reason=…`, leaving out `next` when it is the overview. */
export function loginUrl(next: string, reason?: LoginReason): string {
  const params = new URLSearchParams();
  const safe = safeNext(next);
  if (safe !== '/') params.set('next', safe);
  if (reason) params.set('reason', reason);
  const text = params.toString();
  return text ? `/login?${text}` : '/login';
}
