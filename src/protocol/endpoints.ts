// The API's operations as one typed table: each names its method and path (from ROUTES) and, as
// types only, its path parameters, query, body and reply. The client and the monitor both call the
// API through it (api-calls.ts), and a test checks the server registers each with its method.

import { ROUTES, routePath } from './routes.ts';
import type {
  AuditList,
  AuditQuery,
  CreateTokenBody,
  CreateTokenReply,
  TokenList,
  TokenWire,
  WhoAmI,
} from './schemas/auth.ts';
import type { Health } from './schemas/common.ts';
import type { JobWhyWire } from './schemas/job-why.ts';
import type {
  AdjustJobBody,
  JobDetailWire,
  JobList,
  JobListQuery,
  JobProgressQuery,
  JobProgressWire,
  JobWire,
  LogQuery,
  LogSliceWire,
  SubmitJobsBody,
  SummaryWire,
} from './schemas/jobs.ts';
import type {
  ClaimBody,
  ClaimReply,
  ClaimsBody,
  ClaimsReply,
  FinishJobBody,
  FinishJobReply,
  HeartbeatBody,
  JobCommandReplyWire,
  PilotList,
  PilotListQuery,
  PilotWire,
  RegisterPilotBody,
  RegisterPilotReply,
  StartJobBody,
} from './schemas/pilots.ts';
import type { PurgeBody, PurgeReply } from './schemas/purge.ts';
import type { AddRetryRuleBody, RetryRuleList, RetryRuleWire } from './schemas/retry-rules.ts';
import type { DefineSiteReply, SiteList, SiteWire } from './schemas/sites.ts';
import type {
  FailuresQuery,
  FailuresWire,
  QueueDepthWire,
  TimelineQuery,
  TimelineWire,
} from './schemas/stats.ts';
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
import type {
  AddDagBody,
  CreateWorkflowBody,
  DagDetailWire,
  DagInfoWire,
  DatasetList,
  DatasetListQuery,
  DatasetWire,
  DatatypeWire,
  RegisterDatasetBody,
  WorkflowDetailWire,
  WorkflowList,
  WorkflowListQuery,
  WorkflowQuery,
  WorkflowWire,
} from './schemas/workflows.ts';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
export type Query = Record<string, string | number | undefined>;

/** What one operation takes and answers (types only). */
export interface Shape {
  params?: Record<string, string | number>;
  query?: object;
  body?: unknown;
  reply: unknown;
}

/** One operation: its method and path; `shape` is never set, it only carries the types. */
export interface Endpoint<S extends Shape = Shape> {
  readonly method: Method;
  readonly path: string;
  readonly shape?: S;
}

/** What a call of an operation passes: its path parameters, query and body, as far as it has them. */
export type Args<S extends Shape> = (S extends { params: infer P } ? { params: P } : { params?: never }) &
  (S extends { query: infer Q } ? { query?: Q } : { query?: never }) &
  (S extends { body: infer B } ? { body: B } : { body?: never });

/** The reply of an operation of the table. */
export type ReplyOf<E> = E extends Endpoint<infer S> ? S['reply'] : never;

/** Calls one operation; the client's is HTTP, the monitor's the server's own routes (inject). */
export type Call = <S extends Shape>(endpoint: Endpoint<S>, args: Args<S>) => Promise<S['reply']>;

/** An operation's request as sent: the path with its parameters filled and the query's non-empty values. */
export interface PreparedRequest {
  method: Method;
  /** Path and query string, e.g. `/api/v1/jobs?state=failed`. */
  url: string;
  body?: unknown;
}

export function prepare<S extends Shape>(endpoint: Endpoint<S>, args: Args<S>): PreparedRequest {
  return prepareAny(endpoint.method, endpoint.path, args as RequestParts);
}

/** The parts of a request to any path (for a route outside the table, and the monitor's JSON links). */
export interface RequestParts {
  params?: Record<string, string | number>;
  query?: object;
  body?: unknown;
}

export function prepareAny(method: Method, path: string, parts: RequestParts): PreparedRequest {
  const filled = parts.params ? routePath(path, parts.params) : path;
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries((parts.query ?? {}) as Query)) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return {
    method,
    url: text ? `${filled}?${text}` : filled,
    ...(parts.body === undefined ? {} : { body: parts.body }),
  };
}

const op = <S extends Shape>(method: Method, path: string): Endpoint<S> => ({ method, path });

type Id = { id: number };
type Name = { name: string };
/** A pilot by number or uuid. */
type PilotRef = { id: number | string };
/** A retry rule by id or name. */
type RuleRef = { rule: number | string };
type NoBody = Record<string, never>;
type Ok = { ok: true };

export const API = {
  health: op<{ reply: Health }>('GET', ROUTES.health),
  summary: op<{ reply: SummaryWire }>('GET', ROUTES.summary),
  statsTimeline: op<{ query: TimelineQuery; reply: TimelineWire }>('GET', ROUTES.statsTimeline),
  statsFailures: op<{ query: FailuresQuery; reply: FailuresWire }>('GET', ROUTES.statsFailures),
  statsQueue: op<{ reply: QueueDepthWire }>('GET', ROUTES.statsQueue),

  submitJobs: op<{ body: SubmitJobsBody; reply: { jobs: JobWire[] } }>('POST', ROUTES.jobs),
  listJobs: op<{ query: JobListQuery; reply: JobList }>('GET', ROUTES.jobs),
  jobsProgress: op<{ query: JobProgressQuery; reply: JobProgressWire }>('GET', ROUTES.jobsProgress),
  getJob: op<{ params: Id; reply: JobDetailWire }>('GET', ROUTES.job),
  jobLogs: op<{ params: Id; query: LogQuery; reply: LogSliceWire }>('GET', ROUTES.jobLogs),
  /** Why the job waits (or how it ended): reasons, each a code and a sentence (core/why.ts). */
  jobWhy: op<{ params: Id; reply: JobWhyWire }>('GET', ROUTES.jobWhy),
  killJob: op<{ params: Id; body: NoBody; reply: { job: JobWire; immediate: boolean } }>(
    'POST',
    ROUTES.jobKill,
  ),
  /** `warning`: the job's last payload may still be running (its attempt was lost with a silent pilot). */
  retryJob: op<{ params: Id; body: NoBody; reply: { job: JobWire; warning?: string } }>(
    'POST',
    ROUTES.jobRetry,
  ),
  adjustJob: op<{ params: Id; body: AdjustJobBody; reply: { job: JobWire } }>('PATCH', ROUTES.job),
  deleteJob: op<{ params: Id; reply: Ok }>('DELETE', ROUTES.job),

  listPilots: op<{ query: PilotListQuery; reply: PilotList }>('GET', ROUTES.pilots),
  getPilot: op<{ params: PilotRef; reply: { pilot: PilotWire } }>('GET', ROUTES.pilot),
  stopPilot: op<{ params: PilotRef; body: NoBody; reply: { pilot: PilotWire } }>('POST', ROUTES.pilotStop),

  defineSite: op<{ body: { site: unknown }; reply: DefineSiteReply }>('POST', ROUTES.sites),
  listSites: op<{ reply: SiteList }>('GET', ROUTES.sites),
  getSite: op<{ params: Name; reply: { site: SiteWire } }>('GET', ROUTES.site),
  deleteSite: op<{ params: Name; reply: Ok }>('DELETE', ROUTES.site),
  drainSite: op<{ params: Name; body: NoBody; reply: DrainReply }>('POST', ROUTES.siteDrain),
  resumeSite: op<{ params: Name; body: NoBody; reply: DrainReply }>('POST', ROUTES.siteResume),
  siteProvisioning: op<{ params: Name; reply: { provisioning: ProvisioningStateWire } }>(
    'GET',
    ROUTES.siteProvisioning,
  ),

  /** Automatic retry rules (core/retry-rules.ts): by id (digits) or by name. */
  listRetryRules: op<{ reply: RetryRuleList }>('GET', ROUTES.retryRules),
  getRetryRule: op<{ params: RuleRef; reply: { rule: RetryRuleWire } }>('GET', ROUTES.retryRule),
  addRetryRule: op<{ body: AddRetryRuleBody; reply: { rule: RetryRuleWire } }>('POST', ROUTES.retryRules),
  deleteRetryRule: op<{ params: RuleRef; reply: { deleted: true } }>('DELETE', ROUTES.retryRule),

  submitWorkers: op<{ body: SubmitWorkersBody; reply: WorkerList }>('POST', ROUTES.workers),
  recordWorkerChanges: op<{ body: WorkerChangesBody; reply: WorkerChangesReply }>(
    'POST',
    ROUTES.workerChanges,
  ),
  listWorkers: op<{ query: WorkerListQuery; reply: WorkerList }>('GET', ROUTES.workers),
  getWorker: op<{ params: Id; reply: { worker: WorkerWire } }>('GET', ROUTES.worker),
  killWorker: op<{ params: Id; body: NoBody; reply: { worker: WorkerWire } }>('POST', ROUTES.workerKill),

  purge: op<{ body: PurgeBody; reply: PurgeReply }>('POST', ROUTES.purge),

  whoami: op<{ reply: WhoAmI }>('GET', ROUTES.whoami),
  createToken: op<{ body: CreateTokenBody; reply: CreateTokenReply }>('POST', ROUTES.tokens),
  listTokens: op<{ query: { all?: 'true'; name?: string }; reply: TokenList }>('GET', ROUTES.tokens),
  revokeToken: op<{ params: Id; body: NoBody; reply: { token: TokenWire } }>('POST', ROUTES.tokenRevoke),
  audit: op<{ query: AuditQuery; reply: AuditList }>('GET', ROUTES.audit),

  addDag: op<{ body: AddDagBody; reply: { dag: DagInfoWire } }>('POST', ROUTES.dags),
  listDags: op<{ reply: { dags: DagInfoWire[] } }>('GET', ROUTES.dags),
  getDag: op<{ params: Name; reply: DagDetailWire }>('GET', ROUTES.dag),
  exportDag: op<{ params: Name; query: { normalized?: 'true' }; reply: { name: string; graphml: string } }>(
    'GET',
    ROUTES.dagGraphml,
  ),
  deleteDag: op<{ params: Name; query: { force?: 'true' }; reply: Ok }>('DELETE', ROUTES.dag),
  putDatatype: op<{ body: unknown; reply: { datatype: DatatypeWire; created: boolean } }>(
    'POST',
    ROUTES.datatypes,
  ),
  listDatatypes: op<{ reply: { datatypes: DatatypeWire[] } }>('GET', ROUTES.datatypes),
  deleteDatatype: op<{ params: Name; reply: Ok }>('DELETE', ROUTES.datatype),

  registerDataset: op<{ body: RegisterDatasetBody; reply: { dataset: DatasetWire } }>(
    'POST',
    ROUTES.datasets,
  ),
  listDatasets: op<{ query: DatasetListQuery; reply: DatasetList }>('GET', ROUTES.datasets),
  getDataset: op<{ params: Id; reply: { dataset: DatasetWire } }>('GET', ROUTES.dataset),

  createWorkflow: op<{ body: CreateWorkflowBody; reply: WorkflowDetailWire }>('POST', ROUTES.workflows),
  listWorkflows: op<{ query: WorkflowListQuery; reply: WorkflowList }>('GET', ROUTES.workflows),
  getWorkflow: op<{ params: Id; query: WorkflowQuery; reply: WorkflowDetailWire }>('GET', ROUTES.workflow),
  startWorkflow: op<{ params: Id; body: NoBody; reply: { workflow: WorkflowWire } }>(
    'POST',
    ROUTES.workflowStart,
  ),
  cancelWorkflow: op<{ params: Id; body: NoBody; reply: { workflow: WorkflowWire } }>(
    'POST',
    ROUTES.workflowCancel,
  ),
  retryWorkflow: op<{ params: Id; body: NoBody; reply: { workflow: WorkflowWire } }>(
    'POST',
    ROUTES.workflowRetry,
  ),
  deleteWorkflow: op<{ params: Id; reply: Ok }>('DELETE', ROUTES.workflow),

  registerPilot: op<{ body: RegisterPilotBody; reply: RegisterPilotReply }>('POST', ROUTES.pilots),
  claim: op<{ params: { id: string }; body: ClaimBody; reply: ClaimReply }>('POST', ROUTES.pilotClaim),
  claimTogether: op<{ body: ClaimsBody; reply: ClaimsReply }>('POST', ROUTES.pilotClaims),
  startJob: op<{ params: Id; body: StartJobBody; reply: JobCommandReplyWire }>('POST', ROUTES.jobStart),
  heartbeat: op<{ params: Id; body: HeartbeatBody; reply: JobCommandReplyWire }>('POST', ROUTES.jobHeartbeat),
  finishJob: op<{ params: Id; body: FinishJobBody; reply: FinishJobReply }>('POST', ROUTES.jobFinish),
  deregisterPilot: op<{ params: { id: string }; body: NoBody; reply: { pilot: PilotWire } }>(
    'POST',
    ROUTES.pilotDeregister,
  ),
} as const;
