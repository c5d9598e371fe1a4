// Access control as pure decisions: who a request is (a principal from a bearer token), what a
// route demands (an access rule), and whether the one satisfies the other. The server maps
// routes to rules (server/auth/route-access.ts); ownership of jobs, workflows and DAGs is
// decided here too, so the rules are one table and a few functions with table tests.

export const ROLES = ['user', 'pilot', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The identity behind a valid token. `name` is what jobs, workflows and audit events record. */
export interface Principal {
  tokenId: number;
  name: string;
  role: Role;
  /** Pilot tokens only: the one site its pilots may register for; null = any site. */
  site: string | null;
  /** When the token stops working; null = never. */
  expiresAt: number | null;
}

/**
 * Who may read: `open` lets anyone who can reach the server read jobs, pilots, workflows and
 * stats (the JSON API and the monitor); `token` demands a user or admin token for that too.
 */
export const READ_POLICIES = ['open', 'token'] as const;
export type ReadPolicy = (typeof READ_POLICIES)[number];

/**
 * What a route demands:
 * - `public`: anyone (health);
 * - `read`: anyone under the open read policy, else a user or admin token;
 * - `site-read`: as `read`, and also a pilot token for its own site (a pilot reads its site's settings);
 * - `authenticated`: any valid token (whoami);
 * - `user`: a user or admin token (creating things);
 * - `owner`: a user or admin token, and the handler checks the object's owner (mayManage);
 * - `pilot`: a pilot or admin token, and the handler checks the pilot's token (mayDrivePilot);
 * - `admin`: an admin token.
 */
export const ACCESS_RULES = [
  'public',
  'read',
  'site-read',
  'authenticated',
  'user',
  'owner',
  'pilot',
  'admin',
] as const;
export type AccessRule = (typeof ACCESS_RULES)[number];

export type AccessDecision = { allow: true } | { allow: false; status: 401 | 403; reason: string };

const ALLOW: AccessDecision = { allow: true };
const NEED_TOKEN: AccessDecision = {
  allow: false,
  status: 401,
  reason: 'this request needs a token: send "Authorization: Bearer <token>" (p3s --token or P3S_TOKEN)',
};

const forbid = (reason: string): AccessDecision => ({ allow: false, status: 403, reason });

/** Which roles pass each rule once a principal is known (`public`/`read` also pass without one). */
const ROLES_FOR: Record<AccessRule, readonly Role[]> = {
  public: ROLES,
  read: ['user', 'admin'],
  'site-read': ['user', 'admin', 'pilot'],
  authenticated: ROLES,
  user: ['user', 'admin'],
  owner: ['user', 'admin'],
  pilot: ['pilot', 'admin'],
  admin: ['admin'],
};

const DESCRIBE: Record<AccessRule, string> = {
  public: 'anyone',
  read: 'a user or admin token',
  'site-read': 'a user, admin or pilot token',
  authenticated: 'a token',
  user: 'a user or admin token',
  owner: 'a user or admin token',
  pilot: 'a pilot or admin token',
  admin: 'an admin token',
};

/**
 * The decision for one request before its handler runs: no principal (no token) passes only
 * public routes and, under the open policy, reads; a principal passes when its role fits.
 */
export function decideAccess(
  rule: AccessRule,
  principal: Principal | null,
  readPolicy: ReadPolicy,
): AccessDecision {
  if (rule === 'public') return ALLOW;
  if (principal === null) {
    const openRead = (rule === 'read' || rule === 'site-read') && readPolicy === 'open';
    return openRead ? ALLOW : NEED_TOKEN;
  }
  if (principal.role === 'pilot' && (rule === 'read' || rule === 'site-read') && readPolicy === 'open') {
    // A pilot token is a machine credential: it reads nothing beyond its own site, even when reads are open.
    return rule === 'site-read' ? ALLOW : forbid('a pilot token cannot read jobs, pilots or workflows');
  }
  if (ROLES_FOR[rule].includes(principal.role)) return ALLOW;
  return forbid(`this needs ${DESCRIBE[rule]}; the token "${principal.name}" has role ${principal.role}`);
}

/** Users manage what they own; admins manage everything. */
export function mayManage(principal: Principal, owner: string): boolean {
  return principal.role === 'admin' || (principal.role === 'user' && principal.name === owner);
}

/** A pilot record may be driven (claim, report, deregister) by the token that registered it, or an admin. */
export function mayDrivePilot(principal: Principal, pilotTokenId: number | null): boolean {
  return principal.role === 'admin' || (principal.role === 'pilot' && principal.tokenId === pilotTokenId);
}

/** A pilot token restricted to a site registers pilots for that site only; admins and open pilot tokens for any. */
export function mayServeSite(principal: Principal, site: string | null): boolean {
  if (principal.role === 'admin' || principal.site === null) return true;
  return principal.site === site;
}

/** Whether a principal may read the site record `name` under `site-read` (pilots: their own site only). */
export function mayReadSite(principal: Principal | null, name: string): boolean {
  return principal?.role !== 'pilot' || principal.site === null || principal.site === name;
}

/** Token and identity names: what jobs record as their user, so kept to a safe, printable set. */
export const IDENTITY_NAME_PATTERN = '^[A-Za-z0-9_.@-]{1,64}$';
const IDENTITY_NAME = new RegExp(IDENTITY_NAME_PATTERN);

export function isIdentityName(value: string): boolean {
  return IDENTITY_NAME.test(value);
}

/** Whether a token is usable at `now`: not revoked and not past its expiry. */
export function tokenProblem(
  token: { revokedAt: number | null; expiresAt: number | null },
  now: number,
): 'revoked' | 'expired' | null {
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt !== null && token.expiresAt <= now) return 'expired';
  return null;
}

/**
 * Who else may enter or list a private directory with this mode (`stat().mode`): null when only its
 * owner may. Entering is enough to open a file of a known name (`p3s.db`) that is itself readable.
 */
export function privateDirExposure(mode: number): string | null {
  const group = (mode & 0o070) !== 0;
  const others = (mode & 0o007) !== 0;
  if (!group && !others) return null;
  const who = group && others ? 'its group and every user' : group ? 'its group' : 'every user';
  return `open to ${who} on this host (mode ${(mode & 0o777).toString(8).padStart(3, '0')})`;
}

/**
 * Who else may read a secret file with this mode (`stat().mode`): null when only its owner may.
 * A token file others can read lets anyone on the host act with the token.
 */
export function secretFileExposure(mode: number): string | null {
  const group = (mode & 0o040) !== 0;
  const others = (mode & 0o004) !== 0;
  if (!group && !others) return null;
  const who = group && others ? 'its group and every user' : group ? 'its group' : 'every user';
  return `readable by ${who} on this host (mode ${(mode & 0o777).toString(8).padStart(3, '0')})`;
}
