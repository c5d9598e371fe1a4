import { describe, expect, it } from 'vitest';
import { routeAction } from './audit.ts';

describe('routeAction', () => {
  it.each([
    ['POST', '/api/v1/jobs/:id/kill', 'job.kill', 'job'],
    ['POST', '/api/v1/jobs', 'job.create', 'job'],
    ['PATCH', '/api/v1/jobs/:id', 'job.adjust', 'job'],
    ['DELETE', '/api/v1/workflows/:id', 'workflow.delete', 'workflow'],
    ['POST', '/api/v1/workflows/:id/start', 'workflow.start', 'workflow'],
    ['DELETE', '/api/v1/dags/:name', 'dag.delete', 'dag'],
    ['POST', '/api/v1/pilots/:id/stop', 'pilot.stop', 'pilot'],
    ['POST', '/api/v1/tokens/:id/revoke', 'token.revoke', 'token'],
    ['POST', '/api/v1/purge', 'purge', 'purge'],
    ['POST', '/api/v1/sites', 'site.create', 'site'],
    ['POST', '/api/v1/retry-rules', 'retry_rule.create', 'retry_rule'],
    ['DELETE', '/api/v1/retry-rules/:rule', 'retry_rule.delete', 'retry_rule'],
  ])('%s %s → %s', (method, url, action, objectType) => {
    expect(routeAction(method, url)).toEqual({ action, objectType });
  });
});
