// The gate in front of every API route: finds the route's access rule, resolves the bearer token
// to a principal and lets the request through, or answers 401/403 before the body is even read.
// Handlers then check ownership with the helpers below (core/auth.ts decides, they throw).

import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  type AccessRule,
  decideAccess,
  ForbiddenError,
  mayDrivePilot,
  mayManage,
  type Principal,
  type ReadPolicy,
  UnauthorizedError,
} from '../../core/index.ts';
import { API_PREFIX } from '../../protocol/routes.ts';
import { accessRuleOf } from './route-access.ts';
import type { TokenResolver } from './token-resolver.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request (null: no token); set by the auth guard on API routes. */
    principal: Principal | null;
    /** The access rule of the matched API route. */
    accessRule: AccessRule | null;
  }
}

export interface AuthGuardOptions {
  resolver: TokenResolver;
  readPolicy: ReadPolicy;
  now: () => number;
}

export function registerAuthGuard(app: FastifyInstance, options: AuthGuardOptions): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('accessRule', null);
  app.addHook('onRequest', async (request, reply) => {
    const url = request.routeOptions.url;
    // Unknown paths fall through to the 404 handler.
    if (url === undefined) return;
    const rule = accessRuleOf(request.method === 'HEAD' ? 'GET' : request.method, url);
    // Outside the API only routes with a rule are guarded (/metrics); the monitor has its own sessions.
    if (rule === undefined && !request.url.startsWith(API_PREFIX)) return;
    // An API route without a rule is refused.
    if (rule === undefined) {
      request.log.error({ method: request.method, url }, 'route has no access rule: refused');
      throw new ForbiddenError(`${request.method} ${url} has no access rule; refused`);
    }
    request.accessRule = rule;
    try {
      request.principal = await options.resolver.resolve(request.headers.authorization, options.now());
    } catch (error) {
      if (error instanceof UnauthorizedError) reply.header('www-authenticate', 'Bearer realm="p3s"');
      throw error;
    }
    const decision = decideAccess(rule, request.principal, options.readPolicy);
    if (decision.allow) return;
    if (decision.status === 401) {
      reply.header('www-authenticate', 'Bearer realm="p3s"');
      throw new UnauthorizedError(decision.reason);
    }
    throw new ForbiddenError(decision.reason);
  });
}

/** The principal of a request whose rule demanded one. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthorizedError('this request needs a token');
  return request.principal;
}

/** Who acts, for job events and records: the token's name. */
export function actorOf(request: FastifyRequest): string {
  return request.principal?.name ?? 'anonymous';
}

/**
 * The user to record as owner of something created: the caller, or (admins only) the `user`
 * a P3S client declared in the body, so an operator can submit on someone's behalf.
 */
export function ownerFor(request: FastifyRequest, declared: string | undefined): string {
  const principal = principalOf(request);
  if (declared === undefined || declared === principal.name) return principal.name;
  if (principal.role === 'admin') return declared;
  throw new ForbiddenError(
    `"user": "${declared}": only an admin may act on behalf of another user; you are "${principal.name}"`,
  );
}

/** Throws ForbiddenError unless the caller may manage an object owned by `owner`. */
export function requireManage(request: FastifyRequest, owner: string, what: string): void {
  const principal = principalOf(request);
  if (!mayManage(principal, owner))
    throw new ForbiddenError(`${what} belongs to "${owner}"; "${principal.name}" may not change it`);
}

/** Throws ForbiddenError unless the caller's token registered this pilot (or is an admin's). */
export function requirePilotDriver(
  request: FastifyRequest,
  pilot: { uuid: string; tokenId: number | null },
): void {
  const principal = principalOf(request);
  if (!mayDrivePilot(principal, pilot.tokenId))
    throw new ForbiddenError(`pilot ${pilot.uuid} was registered with another token`);
}
