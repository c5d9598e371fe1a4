// The worker and provisioning operations of the API, as the factory and its tests need them.

import type { ApiCalls } from './api-calls.ts';
import type { P3sClient } from './client.ts';

export type WorkersApi = Pick<
  ApiCalls,
  | 'submitWorkers'
  | 'recordWorkerChanges'
  | 'listWorkers'
  | 'getWorker'
  | 'killWorker'
  | 'drainSite'
  | 'resumeSite'
  | 'siteProvisioning'
>;

/** The client's worker operations (the client holds every operation of the route table). */
export function workersApi(client: P3sClient): WorkersApi {
  return client;
}
