// The worker and provisioning routes of the API for a P3sClient (the factory, the CLI, tests):
// beside the client rather than in it, which already holds every other route.

import type { P3sClient } from './client.ts';
import { ROUTES, routePath } from './routes.ts';
import type {
  DrainReply,
  ProvisioningStateWire,
  SubmitWorkersBody,
  WorkerChangesBody,
  WorkerChangesReply,
  WorkerList,
  WorkerListQuery,
  WorkerWire,
} from './schemas/workers.ts';

export interface WorkersApi {
  submitWorkers(workers: SubmitWorkersBody['workers']): Promise<WorkerList>;
  recordWorkerChanges(changes: WorkerChangesBody['changes']): Promise<WorkerChangesReply>;
  listWorkers(query?: WorkerListQuery): Promise<WorkerList>;
  getWorker(id: number): Promise<{ worker: WorkerWire }>;
  killWorker(id: number): Promise<{ worker: WorkerWire }>;
  drainSite(name: string): Promise<DrainReply>;
  resumeSite(name: string): Promise<DrainReply>;
  siteProvisioning(name: string): Promise<{ provisioning: ProvisioningStateWire }>;
}

export function workersApi(client: P3sClient): WorkersApi {
  return {
    submitWorkers: (workers) => client.request('POST', ROUTES.workers, { body: { workers } }),
    recordWorkerChanges: (changes) => client.request('POST', ROUTES.workerChanges, { body: { changes } }),
    listWorkers: (query = {}) => client.request('GET', ROUTES.workers, { query }),
    getWorker: (id) => client.request('GET', routePath(ROUTES.worker, { id })),
    killWorker: (id) => client.request('POST', routePath(ROUTES.workerKill, { id }), { body: {} }),
    drainSite: (name) => client.request('POST', routePath(ROUTES.siteDrain, { name }), { body: {} }),
    resumeSite: (name) => client.request('POST', routePath(ROUTES.siteResume, { name }), { body: {} }),
    siteProvisioning: (name) => client.request('GET', routePath(ROUTES.siteProvisioning, { name })),
  };
}
