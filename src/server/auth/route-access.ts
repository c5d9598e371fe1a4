// Which access rule each API route demands (core/auth.ts defines the rules). One table, so the
// policy reads in one place and a route registered without an entry is refused (and fails the
// route-coverage test) instead of being open by accident.

import type { AccessRule } from '../../core/index.ts';
import { ROUTES } from '../../protocol/routes.ts';

const r = ROUTES;

export const ROUTE_ACCESS: Record<string, AccessRule> = {
  [`GET ${r.health}`]: 'public',
  // The API's shape, no data: what a client needs before it has a token (as docs/ publish it).
  [`GET ${r.openapi}`]: 'public',
  // Counts and rates of what the read routes show in detail: a read like them.
  [`GET ${r.metrics}`]: 'read',
  [`GET ${r.summary}`]: 'read',
  [`GET ${r.statsTimeline}`]: 'read',
  [`GET ${r.statsFailures}`]: 'read',
  [`GET ${r.statsQueue}`]: 'read',

  [`POST ${r.jobs}`]: 'user',
  [`GET ${r.jobs}`]: 'read',
  [`GET ${r.job}`]: 'read',
  [`GET ${r.jobLogs}`]: 'read',
  [`GET ${r.jobsProgress}`]: 'read',
  [`GET ${r.jobWhy}`]: 'read',
  [`POST ${r.jobKill}`]: 'owner',
  [`POST ${r.jobRetry}`]: 'owner',
  [`PATCH ${r.job}`]: 'owner',
  [`DELETE ${r.job}`]: 'owner',

  // The pilot protocol: the handler also checks that the token registered the pilot.
  [`POST ${r.pilots}`]: 'pilot',
  [`POST ${r.pilotClaim}`]: 'pilot',
  [`POST ${r.pilotClaims}`]: 'pilot',
  [`POST ${r.jobStart}`]: 'pilot',
  [`POST ${r.jobHeartbeat}`]: 'pilot',
  [`POST ${r.jobFinish}`]: 'pilot',
  [`POST ${r.pilotDeregister}`]: 'pilot',
  [`GET ${r.pilots}`]: 'read',
  [`GET ${r.pilot}`]: 'read',
  [`POST ${r.pilotStop}`]: 'admin',

  [`POST ${r.dags}`]: 'user',
  [`GET ${r.dags}`]: 'read',
  [`GET ${r.dag}`]: 'read',
  [`GET ${r.dagGraphml}`]: 'read',
  [`DELETE ${r.dag}`]: 'owner',
  [`POST ${r.datatypes}`]: 'user',
  [`GET ${r.datatypes}`]: 'read',
  // Datatypes record no owner and DAGs of every user name them: only admins remove one.
  [`DELETE ${r.datatype}`]: 'admin',
  [`POST ${r.datasets}`]: 'user',
  [`GET ${r.datasets}`]: 'read',
  [`GET ${r.dataset}`]: 'read',
  [`POST ${r.workflows}`]: 'user',
  [`GET ${r.workflows}`]: 'read',
  [`GET ${r.workflow}`]: 'read',
  [`POST ${r.workflowStart}`]: 'owner',
  [`POST ${r.workflowCancel}`]: 'owner',
  [`POST ${r.workflowRetry}`]: 'owner',
  [`DELETE ${r.workflow}`]: 'owner',

  // A site's env reaches every payload its pilots run: defining one is an admin's act.
  [`POST ${r.sites}`]: 'admin',
  [`GET ${r.sites}`]: 'read',
  [`GET ${r.site}`]: 'site-read',
  [`DELETE ${r.site}`]: 'admin',
  [`POST ${r.siteDrain}`]: 'admin',
  [`POST ${r.siteResume}`]: 'admin',
  [`GET ${r.siteProvisioning}`]: 'read',

  // Retry rules decide for every user's failed jobs: only admins change them; they read like jobs.
  [`GET ${r.retryRules}`]: 'read',
  [`GET ${r.retryRule}`]: 'read',
  [`POST ${r.retryRules}`]: 'admin',
  [`DELETE ${r.retryRule}`]: 'admin',

  // Workers: the factory (an operator's service, with an admin token) records them; anyone who may read sees them.
  [`POST ${r.workers}`]: 'admin',
  [`POST ${r.workerChanges}`]: 'admin',
  [`GET ${r.workers}`]: 'read',
  [`GET ${r.worker}`]: 'read',
  [`POST ${r.workerKill}`]: 'admin',
  [`POST ${r.purge}`]: 'admin',

  [`GET ${r.whoami}`]: 'authenticated',
  [`POST ${r.tokens}`]: 'admin',
  [`GET ${r.tokens}`]: 'admin',
  // Anyone may revoke a token of their own name (a leaked one); admins any token.
  [`POST ${r.tokenRevoke}`]: 'authenticated',
  [`GET ${r.audit}`]: 'admin',
};

export function accessRuleOf(method: string, url: string): AccessRule | undefined {
  return ROUTE_ACCESS[`${method} ${url}`];
}
