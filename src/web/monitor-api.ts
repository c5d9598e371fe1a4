// What the monitor reads and does, typed with the protocol's wire shapes. It is served by the
// public JSON API only: the server passes a transport that calls its own /api/v1 routes, and the
// monitor makes one MonitorApi per request carrying the viewer's token (from the session cookie),
// so the API decides what each viewer may read and do, as for any client.

import { ApiError } from '../protocol/client.ts';
import { ROUTES, routePath } from '../protocol/routes.ts';
import type { AuditList, AuditQuery, WhoAmI } from '../protocol/schemas/auth.ts';
import type { Health } from '../protocol/schemas/common.ts';
import type {
  JobDetailWire,
  JobList,
  JobListQuery,
  JobWire,
  LogSliceWire,
  SummaryWire,
} from '../protocol/schemas/jobs.ts';
import type { PilotList, PilotWire } from '../protocol/schemas/pilots.ts';
import type { SiteList } from '../protocol/schemas/sites.ts';
import type { FailuresWire, QueueDepthWire, TimelineWire } from '../protocol/schemas/stats.ts';
import type {
  ProvisioningStateWire,
  WorkerList,
  WorkerListQuery,
  WorkerWire,
} from '../protocol/schemas/workers.ts';
import type {
  DagDetailWire,
  DagInfoWire,
  DatasetList,
  DatasetListQuery,
  WorkflowDetailWire,
  WorkflowList,
  WorkflowListQuery,
} from '../protocol/schemas/workflows.ts';

/**
 * One HTTP exchange with the JSON API: a path with its query string, the viewer's token (to send as
 * `Authorization: Bearer <token>`; absent: an anonymous request), and the parsed answer.
 */
export type ApiTransport = (request: {
  method: 'GET' | 'POST';
  url: string;
  body?: unknown;
  token?: string;
}) => Promise<{ status: number; body: unknown }>;

export type Query = Record<string, string | number | undefined>;

export interface PilotListQuery {
  state?: string;
  site?: string;
  host?: string;
  limit?: number;
  offset?: number;
}

export interface LogQuery {
  stream: 'out' | 'err';
  offset?: number;
  attempt?: number;
  limit?: number;
}

export interface MonitorApi {
  health(): Promise<Health>;
  /** Who the token is (401 without a valid one). */
  whoami(): Promise<WhoAmI>;
  /** The audit trail (admins only: 403 for others). */
  listAudit(query: AuditQuery): Promise<AuditList>;
  summary(): Promise<SummaryWire>;
  timeline(window: string): Promise<TimelineWire>;
  failures(window: string, limit: number): Promise<FailuresWire>;
  queue(): Promise<QueueDepthWire>;
  listJobs(query: JobListQuery): Promise<JobList>;
  getJob(id: number): Promise<JobDetailWire>;
  jobLog(id: number, query: LogQuery): Promise<LogSliceWire>;
  killJob(id: number): Promise<{ job: JobWire; immediate: boolean }>;
  retryJob(id: number): Promise<{ job: JobWire }>;
  listPilots(query: PilotListQuery): Promise<PilotList>;
  getPilot(id: string): Promise<{ pilot: PilotWire }>;
  listWorkflows(query: WorkflowListQuery): Promise<WorkflowList>;
  getWorkflow(id: number): Promise<WorkflowDetailWire>;
  listDags(): Promise<{ dags: DagInfoWire[] }>;
  getDag(name: string): Promise<DagDetailWire>;
  listDatasets(query: DatasetListQuery): Promise<DatasetList>;
  listSites(): Promise<SiteList>;
  listWorkers(query: WorkerListQuery): Promise<WorkerList>;
  getWorker(id: number): Promise<{ worker: WorkerWire }>;
  siteProvisioning(name: string): Promise<{ provisioning: ProvisioningStateWire }>;
}

/** `path?a=1&b=x` with empty values left out: the URLs the monitor shows as JSON twins, too. */
export function apiUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** The API as seen by one viewer: every request carries `token` (null: anonymous). */
export function makeMonitorApi(transport: ApiTransport, token: string | null = null): MonitorApi {
  const call = async <T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<T> => {
    const { status, body: answer } = await transport({
      method,
      url,
      body,
      ...(token === null ? {} : { token }),
    });
    if (status >= 400) {
      const error = (answer as { error?: { code?: unknown; message?: unknown; details?: unknown } })?.error;
      throw new ApiError(status, {
        code: typeof error?.code === 'string' ? error.code : 'http_error',
        message: typeof error?.message === 'string' ? error.message : `HTTP ${status} from ${url}`,
        details: Array.isArray(error?.details) ? (error.details as ApiError['details']) : [],
      });
    }
    return answer as T;
  };
  const get = <T>(path: string, query?: Query) => call<T>('GET', apiUrl(path, query));

  return {
    health: () => get(ROUTES.health),
    whoami: () => get(ROUTES.whoami),
    listAudit: (query) => get(ROUTES.audit, { ...query }),
    summary: () => get(ROUTES.summary),
    timeline: (window) => get(ROUTES.statsTimeline, { window }),
    failures: (window, limit) => get(ROUTES.statsFailures, { window, limit }),
    queue: () => get(ROUTES.statsQueue),
    listJobs: (query) => get(ROUTES.jobs, query),
    getJob: (id) => get(routePath(ROUTES.job, { id })),
    jobLog: (id, query) => get(routePath(ROUTES.jobLogs, { id }), { ...query }),
    killJob: (id) => call('POST', routePath(ROUTES.jobKill, { id }), {}),
    retryJob: (id) => call('POST', routePath(ROUTES.jobRetry, { id }), {}),
    listPilots: (query) => get(ROUTES.pilots, { ...query }),
    getPilot: (id) => get(routePath(ROUTES.pilot, { id })),
    listWorkflows: (query) => get(ROUTES.workflows, query),
    getWorkflow: (id) => get(routePath(ROUTES.workflow, { id })),
    listDags: () => get(ROUTES.dags),
    getDag: (name) => get(routePath(ROUTES.dag, { name })),
    listDatasets: (query) => get(ROUTES.datasets, query),
    listSites: () => get(ROUTES.sites),
    listWorkers: (query) => get(ROUTES.workers, { ...query }),
    getWorker: (id) => get(routePath(ROUTES.worker, { id })),
    siteProvisioning: (name) => get(routePath(ROUTES.siteProvisioning, { name })),
  };
}

/** True when the API has no such route: the page says "not available in this version". */
export function isMissingRoute(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'route_not_found';
}

/** What a list page got from the API: the list, or why not. */
export interface LoadedList<L> {
  list?: L;
  /** The API's message for a filter it refuses (400), shown above the empty list. */
  problem?: string;
  /** The API has no such route (with `optional`): the page says "not available in this version". */
  missing: boolean;
}

/** Loads a list page's list; errors other than those of LoadedList are thrown. */
export async function loadList<L>(
  load: () => Promise<L>,
  options: { optional?: boolean } = {},
): Promise<LoadedList<L>> {
  const loaded: LoadedList<L> = { missing: false };
  try {
    loaded.list = await load();
  } catch (error) {
    if (options.optional && isMissingRoute(error)) loaded.missing = true;
    else if (error instanceof ApiError && error.status === 400) loaded.problem = error.message;
    else throw error;
  }
  return loaded;
}
