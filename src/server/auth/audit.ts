// The audit trail: who created, changed, killed, retried or deleted what, and when. Handlers
// record an `ok` entry after their change and before answering, so an acknowledged change has
// its entry; refused attempts by known tokens are recorded as `denied`.

import type { FastifyRequest } from 'fastify';
import type { Store } from '../../store/store.ts';

export interface AuditEntry {
  /** e.g. job.kill, workflow.create, token.revoke. */
  action: string;
  objectType: string;
  objectId?: string | number | null;
  detail?: string | null;
}

/** Longest detail kept, so an entry never grows with a request body. */
const MAX_DETAIL = 500;

export function auditRecord(
  request: FastifyRequest,
  entry: AuditEntry,
  outcome: 'ok' | 'denied',
  now: number,
) {
  const detail = entry.detail ?? null;
  return {
    at: now,
    actor: request.principal?.name ?? 'anonymous',
    role: request.principal?.role ?? 'none',
    action: entry.action,
    objectType: entry.objectType,
    objectId: entry.objectId === undefined || entry.objectId === null ? null : String(entry.objectId),
    outcome,
    detail: detail === null ? null : detail.slice(0, MAX_DETAIL),
  };
}

const OBJECT_OF_SEGMENT: Record<string, string> = {
  jobs: 'job',
  pilots: 'pilot',
  dags: 'dag',
  datatypes: 'datatype',
  datasets: 'dataset',
  workflows: 'workflow',
  sites: 'site',
  tokens: 'token',
  purge: 'purge',
  workers: 'worker',
  'retry-rules': 'retry_rule',
};
const VERB_OF_METHOD: Record<string, string> = { POST: 'create', PATCH: 'adjust', DELETE: 'delete' };

/**
 * The audit name of an API route, for refused requests: `POST /api/v1/jobs/:id/kill` → job.kill,
 * `DELETE /api/v1/workflows/:id` → workflow.delete, `POST /api/v1/jobs` → job.create.
 */
export function routeAction(method: string, url: string): { action: string; objectType: string } {
  const segments = url.replace(/^\/api\/v1\//, '').split('/');
  const objectType = OBJECT_OF_SEGMENT[segments[0] ?? ''] ?? segments[0] ?? 'request';
  const last = segments[segments.length - 1] ?? '';
  const verb =
    segments.length > 1 && !last.startsWith(':') ? last : (VERB_OF_METHOD[method] ?? method.toLowerCase());
  return { action: objectType === 'purge' ? 'purge' : `${objectType}.${verb}`, objectType };
}

export function recordAudit(
  store: Store,
  request: FastifyRequest,
  entry: AuditEntry,
  now: number,
): Promise<void> {
  return store.auth.recordAudit(auditRecord(request, entry, 'ok', now));
}
