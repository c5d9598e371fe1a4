// Who is acting on a request, recorded in job events. Until access control lands this
// is what the client declares (x-p3s-user header / submit body), never trusted for decisions.

import type { FastifyRequest } from 'fastify';

const NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

export function actorOf(request: FastifyRequest, declared?: string): string {
  const header = request.headers['x-p3s-user'];
  const candidate = declared ?? (typeof header === 'string' ? header : undefined);
  return candidate && NAME.test(candidate) ? candidate : 'anonymous';
}
