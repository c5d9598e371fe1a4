// Every path of the JSON API, in one place for the server, the client and the docs.

export const API_PREFIX = '/api/v1';

export const ROUTES = {
  health: '/api/v1/health',
  summary: '/api/v1/summary',
  jobs: '/api/v1/jobs',
  job: '/api/v1/jobs/:id',
  jobLogs: '/api/v1/jobs/:id/logs',
  jobKill: '/api/v1/jobs/:id/kill',
  jobRetry: '/api/v1/jobs/:id/retry',
  jobStart: '/api/v1/jobs/:id/start',
  jobHeartbeat: '/api/v1/jobs/:id/heartbeat',
  jobFinish: '/api/v1/jobs/:id/finish',
  pilots: '/api/v1/pilots',
  pilot: '/api/v1/pilots/:id',
  pilotClaim: '/api/v1/pilots/:id/claim',
  pilotDeregister: '/api/v1/pilots/:id/deregister',
  pilotStop: '/api/v1/pilots/:id/stop',
} as const;

/** Fills `:name` placeholders of a route path. */
export function routePath(template: string, params: Record<string, string | number>): string {
  return template.replace(/:([a-z]+)/g, (_, key: string) => encodeURIComponent(String(params[key])));
}
