// Access-control routes: who am I, tokens (create — the secret is shown once —, list, revoke),
// and the audit trail.

import { ForbiddenError, NotFoundError, ValidationError } from '../../core/index.ts';
import { ROUTES } from '../../protocol/routes.ts';
import {
  AuditList,
  AuditQuery,
  CreateTokenBody,
  CreateTokenReply,
  TokenList,
  TokenListQuery,
  TokenReply,
  WhoAmI,
} from '../../protocol/schemas/auth.ts';
import { IdParams } from '../../protocol/schemas/common.ts';
import type { AppContext, TypedApp } from '../app.ts';
import { principalOf } from '../auth/auth-guard.ts';
import { newSecret } from '../auth/secrets.ts';

export function registerAuthRoutes(app: TypedApp, ctx: AppContext): void {
  const auth = ctx.store.auth;

  app.get(ROUTES.whoami, { schema: { response: { 200: WhoAmI } } }, async (request) => {
    const principal = principalOf(request);
    return { ...principal, readPolicy: ctx.config.readPolicy };
  });

  app.post(
    ROUTES.tokens,
    { schema: { body: CreateTokenBody, response: { 201: CreateTokenReply } } },
    async (request, reply) => {
      const { name, role, site, expiresIn } = request.body;
      if (site != null && role !== 'pilot')
        throw new ValidationError('/body/site: only pilot tokens are restricted to a site', [
          { path: '/body/site', message: `a ${role} token has no site` },
        ]);
      const now = ctx.now();
      const { secret, prefix, hash } = newSecret();
      const token = await auth.createToken(
        {
          name,
          role,
          site: site ?? null,
          prefix,
          hash,
          createdBy: principalOf(request).name,
          expiresAt: expiresIn === undefined ? null : now + expiresIn * 1000,
        },
        now,
      );
      await ctx.audit(request, {
        action: 'token.create',
        objectType: 'token',
        objectId: token.id,
        detail: `${role} token "${name}"${token.site ? ` for site ${token.site}` : ''}`,
      });
      return reply.status(201).send({ token, secret });
    },
  );

  app.get(
    ROUTES.tokens,
    { schema: { querystring: TokenListQuery, response: { 200: TokenList } } },
    async (request) => ({ tokens: await auth.listTokens(request.query, ctx.now()) }),
  );

  app.post(
    ROUTES.tokenRevoke,
    { schema: { params: IdParams, response: { 200: TokenReply } } },
    async (request) => {
      const principal = principalOf(request);
      const existing = await auth.getToken(request.params.id);
      if (!existing) throw new NotFoundError('token', request.params.id);
      if (principal.role !== 'admin' && existing.name !== principal.name)
        throw new ForbiddenError(
          `token ${existing.id} belongs to "${existing.name}"; only an admin may revoke it`,
        );
      const token = await auth.revokeToken(existing.id, principal.name, ctx.now());
      ctx.tokens.invalidate();
      await ctx.audit(request, {
        action: 'token.revoke',
        objectType: 'token',
        objectId: token.id,
        detail: `${token.role} token "${token.name}"`,
      });
      return { token };
    },
  );

  app.get(
    ROUTES.audit,
    { schema: { querystring: AuditQuery, response: { 200: AuditList } } },
    async (request) => {
      const { limit = 100, offset = 0, ...filter } = request.query;
      const { events, total } = await auth.listAudit(filter, limit, offset);
      return { events, total, limit, offset };
    },
  );
}
