// Every path of the JSON API, in one place for the server, the client and the docs.

export const API_PREFIX = '/api/v1';

export const ROUTES = {
  health: '/api/v1/health',
  openapi: '/api/v1/openapi.json',
  /** Prometheus's conventional path, outside the prefix; guarded like the API's reads. */
  metrics: '/metrics',
  summary: '/api/v1/summary',
  statsTimeline: '/api/v1/stats/timeline',
  statsFailures: '/api/v1/stats/failures',
  statsQueue: '/api/v1/stats/queue',
  jobs: '/api/v1/jobs',
  jobsProgress: '/api/v1/jobs/progress',
  job: '/api/v1/jobs/:id',
  jobLogs: '/api/v1/jobs/:id/logs',
  jobWhy: '/api/v1/jobs/:id/why',
  jobKill: '/api/v1/jobs/:id/kill',
  jobRetry: '/api/v1/jobs/:id/retry',
  jobStart: '/api/v1/jobs/:id/start',
  jobHeartbeat: '/api/v1/jobs/:id/heartbeat',
  jobFinish: '/api/v1/jobs/:id/finish',
  pilots: '/api/v1/pilots',
  pilot: '/api/v1/pilots/:id',
  pilotClaim: '/api/v1/pilots/:id/claim',
  /** Several pilots' claims in one long-poll (the slots of one `--slots N` pilot process). */
  pilotClaims: '/api/v1/pilots/claims',
  pilotDeregister: '/api/v1/pilots/:id/deregister',
  pilotStop: '/api/v1/pilots/:id/stop',
  dags: '/api/v1/dags',
  dag: '/api/v1/dags/:name',
  dagGraphml: '/api/v1/dags/:name/graphml',
  datatypes: '/api/v1/datatypes',
  datatype: '/api/v1/datatypes/:name',
  datasets: '/api/v1/datasets',
  dataset: '/api/v1/datasets/:id',
  workflows: '/api/v1/workflows',
  workflow: '/api/v1/workflows/:id',
  workflowStart: '/api/v1/workflows/:id/start',
  workflowCancel: '/api/v1/workflows/:id/cancel',
  workflowRetry: '/api/v1/workflows/:id/retry',
  sites: '/api/v1/sites',
  site: '/api/v1/sites/:name',
  siteDrain: '/api/v1/sites/:name/drain',
  siteResume: '/api/v1/sites/:name/resume',
  siteProvisioning: '/api/v1/sites/:name/provisioning',
  retryRules: '/api/v1/retry-rules',
  retryRule: '/api/v1/retry-rules/:rule',
  workers: '/api/v1/workers',
  worker: '/api/v1/workers/:id',
  workerChanges: '/api/v1/workers/changes',
  workerKill: '/api/v1/workers/:id/kill',
  purge: '/api/v1/purge',
  whoami: '/api/v1/whoami',
  tokens: '/api/v1/tokens',
  tokenRevoke: '/api/v1/tokens/:id/revoke',
  audit: '/api/v1/audit',
} as const;

/** Fills `:name` placeholders of a route path. */
export function routePath(template: string, params: Record<string, string | number>): string {
  return template.replace(/:([a-z]+)/g, (_, key: string) => encodeURIComponent(String(params[key])));
}
