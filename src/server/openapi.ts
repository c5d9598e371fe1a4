// The API described as OpenAPI 3.1 (@fastify/swagger), generated from the TypeBox schemas the
// routes validate with, so the document cannot drift from what the server accepts. Each operation
// says what access it needs (server/auth/route-access.ts) as its security requirement, and every
// one documents the one error body. Served at GET /api/v1/openapi.json.

import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import type { AccessRule, ReadPolicy } from '../core/index.ts';
import { API_PREFIX, ROUTES } from '../protocol/routes.ts';
import { ErrorBody } from '../protocol/schemas/common.ts';
import { accessRuleOf } from './auth/route-access.ts';

/** What each access rule asks of the caller, in the operation's description. */
const ACCESS_TEXT: Record<AccessRule, string> = {
  public: 'anyone, no token needed',
  read: 'a user or admin token (none needed under the open read policy)',
  'site-read':
    'a user or admin token, or a pilot token for this site (none needed under the open read policy)',
  authenticated: 'any valid token',
  user: 'a user or admin token',
  owner: 'a user or admin token; a user may change only what they own',
  pilot: 'a pilot or admin token; a pilot token drives only the pilots it registered',
  admin: 'an admin token',
};

/** Every error is the one JSON body, whatever the route answers when it succeeds. */
const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorBody } },
});
const ERRORS = {
  '4XX': errorResponse(
    'The request was refused: validation_failed or invalid_json (400), unauthorized (401), forbidden (403), not_found (404), a conflict such as lease_lost (409), payload_too_large (413), too_many_requests (429); see docs/reference/errors.md',
  ),
  '5XX': errorResponse('store_unavailable (503) or an internal error (500)'),
};

/** The operation's security: none for public routes, optional for reads under the open policy. */
function security(rule: AccessRule, readPolicy: ReadPolicy): Record<string, string[]>[] {
  if (rule === 'public') return [];
  const openRead = (rule === 'read' || rule === 'site-read') && readPolicy === 'open';
  return openRead ? [{}, { bearer: [] }] : [{ bearer: [] }];
}

/** The tag of an API path: its first segment after the prefix (jobs, pilots, dags, …). */
function tagOf(url: string): string {
  return url === ROUTES.metrics ? 'metrics' : (url.slice(API_PREFIX.length + 1).split('/')[0] ?? 'api');
}

/** Registers the generator (before any route, so it sees them all) and its route. */
export async function registerOpenApi(
  app: FastifyInstance,
  options: { version: string; readPolicy: ReadPolicy },
): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'p3s',
        version: options.version,
        description:
          'The p3s HTTP API: jobs, pilots and their protocol, DAGs, workflows, datasets, sites, tokens. Every error has the body {error: {code, message, details}}. See docs/reference/api.md.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'A p3s token (p3s token create); the local admin token is in <data dir>/admin.token',
          },
        },
      },
    },
    transform: ({ schema, url, route }) => {
      const method = [route.method].flat()[0] as string;
      const rule = accessRuleOf(method, url);
      // The monitor's pages and assets are HTML for people, not API (docs/guides/monitor.md).
      if (rule === undefined) return { schema: { ...schema, hide: true }, url };
      const given = schema ?? {};
      return {
        url,
        schema: {
          ...given,
          tags: [tagOf(url)],
          description: `Access: ${ACCESS_TEXT[rule]}.`,
          security: security(rule, options.readPolicy),
          response: { ...(given.response as object), ...ERRORS },
        },
      };
    },
  });
}

/** GET /api/v1/openapi.json: the document, built once from the routes. */
export function registerOpenApiRoute(app: FastifyInstance): void {
  app.get(ROUTES.openapi, async () => app.swagger());
}
