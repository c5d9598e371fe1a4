// The API's operations as methods, each one line over the typed table (endpoints.ts) and one
// generic call: P3sClient calls over HTTP, the monitor through the server's own routes.

import { API, type Args, type Endpoint, type Shape } from './endpoints.ts';
import type { AuditQuery, CreateTokenBody, TokenListQuery } from './schemas/auth.ts';
import type { AdjustJobBody, JobListQuery, JobProgressQuery, LogQuery } from './schemas/jobs.ts';
import type {
  FinishJobBody,
  HeartbeatBody,
  PilotListQuery,
  RegisterPilotBody,
  StartJobBody,
} from './schemas/pilots.ts';
import type { PurgeBody } from './schemas/purge.ts';
import type { AddRetryRuleBody } from './schemas/retry-rules.ts';
import type { FailuresQuery, TimelineQuery } from './schemas/stats.ts';
import type { SubmitWorkersBody, WorkerChangesBody, WorkerListQuery } from './schemas/workers.ts';
import type {
  AddDagBody,
  DatasetListQuery,
  RegisterDatasetBody,
  WorkflowListQuery,
  WorkflowQuery,
} from './schemas/workflows.ts';

export abstract class ApiCalls {
  /** Sends one operation and answers with its reply (an error status is thrown as ApiError). */
  protected abstract call<S extends Shape>(endpoint: Endpoint<S>, args: Args<S>): Promise<S['reply']>;

  // General
  health() {
    return this.call(API.health, {});
  }
  summary() {
    return this.call(API.summary, {});
  }
  statsTimeline(query: TimelineQuery = {}) {
    return this.call(API.statsTimeline, { query });
  }
  statsFailures(query: FailuresQuery = {}) {
    return this.call(API.statsFailures, { query });
  }
  statsQueue() {
    return this.call(API.statsQueue, {});
  }

  // Jobs (submitting is the client's: it re-sends with an idempotency key)
  listJobs(query: JobListQuery = {}) {
    return this.call(API.listJobs, { query });
  }
  /** With `wait`, answered once every job has ended or after `wait` seconds. */
  jobsProgress(query: JobProgressQuery) {
    return this.call(API.jobsProgress, { query });
  }
  getJob(id: number) {
    return this.call(API.getJob, { params: { id } });
  }
  jobLogs(id: number, query: LogQuery = {}) {
    return this.call(API.jobLogs, { params: { id }, query });
  }
  jobWhy(id: number) {
    return this.call(API.jobWhy, { params: { id } });
  }
  killJob(id: number) {
    return this.call(API.killJob, { params: { id }, body: {} });
  }
  retryJob(id: number) {
    return this.call(API.retryJob, { params: { id }, body: {} });
  }
  adjustJob(id: number, changes: AdjustJobBody) {
    return this.call(API.adjustJob, { params: { id }, body: changes });
  }
  deleteJob(id: number) {
    return this.call(API.deleteJob, { params: { id } });
  }

  // Pilots (management)
  listPilots(query: PilotListQuery = {}) {
    return this.call(API.listPilots, { query });
  }
  getPilot(idOrUuid: number | string) {
    return this.call(API.getPilot, { params: { id: idOrUuid } });
  }
  stopPilot(idOrUuid: number | string) {
    return this.call(API.stopPilot, { params: { id: idOrUuid }, body: {} });
  }

  // Retry rules
  listRetryRules() {
    return this.call(API.listRetryRules, {});
  }
  getRetryRule(rule: number | string) {
    return this.call(API.getRetryRule, { params: { rule } });
  }
  addRetryRule(body: AddRetryRuleBody) {
    return this.call(API.addRetryRule, { body });
  }
  deleteRetryRule(rule: number | string) {
    return this.call(API.deleteRetryRule, { params: { rule } });
  }

  // Sites
  defineSite(site: unknown) {
    return this.call(API.defineSite, { body: { site } });
  }
  listSites() {
    return this.call(API.listSites, {});
  }
  getSite(name: string) {
    return this.call(API.getSite, { params: { name } });
  }
  deleteSite(name: string) {
    return this.call(API.deleteSite, { params: { name } });
  }
  drainSite(name: string) {
    return this.call(API.drainSite, { params: { name }, body: {} });
  }
  resumeSite(name: string) {
    return this.call(API.resumeSite, { params: { name }, body: {} });
  }
  siteProvisioning(name: string) {
    return this.call(API.siteProvisioning, { params: { name } });
  }

  // Workers (the factory's batch jobs)
  submitWorkers(workers: SubmitWorkersBody['workers']) {
    return this.call(API.submitWorkers, { body: { workers } });
  }
  recordWorkerChanges(changes: WorkerChangesBody['changes']) {
    return this.call(API.recordWorkerChanges, { body: { changes } });
  }
  listWorkers(query: WorkerListQuery = {}) {
    return this.call(API.listWorkers, { query });
  }
  getWorker(id: number) {
    return this.call(API.getWorker, { params: { id } });
  }
  killWorker(id: number) {
    return this.call(API.killWorker, { params: { id }, body: {} });
  }

  // Retention
  purge(body: PurgeBody) {
    return this.call(API.purge, { body });
  }

  // Access control
  whoami() {
    return this.call(API.whoami, {});
  }
  createToken(body: CreateTokenBody) {
    return this.call(API.createToken, { body });
  }
  listTokens(query: TokenListQuery = {}) {
    return this.call(API.listTokens, { query: { ...query, all: query.all ? 'true' : undefined } });
  }
  revokeToken(id: number) {
    return this.call(API.revokeToken, { params: { id }, body: {} });
  }
  audit(query: AuditQuery = {}) {
    return this.call(API.audit, { query });
  }

  // DAG templates and datatypes
  addDag(body: AddDagBody) {
    return this.call(API.addDag, { body });
  }
  listDags() {
    return this.call(API.listDags, {});
  }
  getDag(name: string) {
    return this.call(API.getDag, { params: { name } });
  }
  exportDag(name: string, normalized = false) {
    return this.call(API.exportDag, { params: { name }, query: normalized ? { normalized: 'true' } : {} });
  }
  deleteDag(name: string, force = false) {
    return this.call(API.deleteDag, { params: { name }, query: force ? { force: 'true' } : {} });
  }
  putDatatype(datatype: unknown) {
    return this.call(API.putDatatype, { body: datatype });
  }
  listDatatypes() {
    return this.call(API.listDatatypes, {});
  }
  deleteDatatype(name: string) {
    return this.call(API.deleteDatatype, { params: { name } });
  }

  // Datasets
  registerDataset(body: RegisterDatasetBody) {
    return this.call(API.registerDataset, { body });
  }
  listDatasets(query: DatasetListQuery = {}) {
    return this.call(API.listDatasets, { query });
  }
  getDataset(id: number) {
    return this.call(API.getDataset, { params: { id } });
  }

  // Workflows (creating is the client's: it re-sends with an idempotency key)
  listWorkflows(query: WorkflowListQuery = {}) {
    return this.call(API.listWorkflows, { query });
  }
  /** With `wait` and `seen`, answered once the workflow's version differs from `seen` or after `wait` seconds. */
  getWorkflow(id: number, query: WorkflowQuery = {}) {
    return this.call(API.getWorkflow, { params: { id }, query });
  }
  startWorkflow(id: number) {
    return this.call(API.startWorkflow, { params: { id }, body: {} });
  }
  cancelWorkflow(id: number) {
    return this.call(API.cancelWorkflow, { params: { id }, body: {} });
  }
  retryWorkflow(id: number) {
    return this.call(API.retryWorkflow, { params: { id }, body: {} });
  }
  deleteWorkflow(id: number) {
    return this.call(API.deleteWorkflow, { params: { id } });
  }

  // Pilot protocol (the claim, a long-poll, is the client's)
  registerPilot(body: RegisterPilotBody) {
    return this.call(API.registerPilot, { body });
  }
  startJob(id: number, body: StartJobBody) {
    return this.call(API.startJob, { params: { id }, body });
  }
  heartbeat(id: number, body: HeartbeatBody) {
    return this.call(API.heartbeat, { params: { id }, body });
  }
  finishJob(id: number, body: FinishJobBody) {
    return this.call(API.finishJob, { params: { id }, body });
  }
  deregisterPilot(uuid: string) {
    return this.call(API.deregisterPilot, { params: { id: uuid }, body: {} });
  }
}
