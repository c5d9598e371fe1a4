// Typed HTTP client for the p3s API, used by the CLI, the pilot and the tests.
// Errors come back as ApiError (the server answered with an error body) or
// NetworkError (no answer: refused, reset, timed out, certificate refused) so callers can choose to retry.
// Requests go through node:http/https with a keep-alive agent (transport.ts); a CA file becomes
// that agent's trusted CA.

import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_RESEND_WINDOW_MS, resendDelayMs, type SubmitOutcome, submitOutcome } from './resend.ts';
import { ROUTES, routePath } from './routes.ts';
import type {
  AuditList,
  AuditQuery,
  CreateTokenBody,
  CreateTokenReply,
  TokenList,
  TokenListQuery,
  TokenWire,
  WhoAmI,
} from './schemas/auth.ts';
import type { ErrorBody, Health } from './schemas/common.ts';
import type {
  AdjustJobBody,
  JobDetailWire,
  JobList,
  JobListQuery,
  JobWire,
  LogSliceWire,
  SummaryWire,
} from './schemas/jobs.ts';
import type {
  ClaimReply,
  FinishJobBody,
  FinishJobReply,
  HeartbeatBody,
  JobCommandReplyWire,
  PilotList,
  PilotWire,
  RegisterPilotBody,
  RegisterPilotReply,
  StartJobBody,
} from './schemas/pilots.ts';
import type { PurgeBody, PurgeReply } from './schemas/purge.ts';
import type { DefineSiteReply, SiteList, SiteWire } from './schemas/sites.ts';
import type {
  FailuresQuery,
  FailuresWire,
  QueueDepthWire,
  TimelineQuery,
  TimelineWire,
} from './schemas/stats.ts';
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
  WorkflowWire,
} from './schemas/workflows.ts';
import { type RawResponse, Transport } from './transport.ts';

/** The server answered with an error status and body. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: { path: string; message: string }[];
  constructor(status: number, body: ErrorBody['error']) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.details = body.details;
  }
}

/** The server could not be reached or did not answer in time. */
export class NetworkError extends Error {
  readonly url: string;
  /** Why, in words: `connection refused (is the server running?)`, `certificate verify failed: …`. */
  readonly reason: string;
  /** The TLS handshake failed: the server's certificate was not trusted or did not fit. */
  readonly certificate: boolean;
  /** The socket's error code (`ECONNREFUSED`, `ECONNRESET`, …), when there was one. */
  readonly code: string | undefined;
  constructor(url: string, cause: unknown) {
    const { reason, certificate } = describeCause(cause);
    super(`cannot reach the p3s server at ${url}: ${reason}`, { cause });
    this.name = 'NetworkError';
    this.url = url;
    this.reason = reason;
    this.certificate = certificate;
    this.code = socketCode(cause);
  }
}

/** OpenSSL's verification failures that a CA file (`--ca-file`, `P3S_CA_FILE`) can fix. */
const UNTRUSTED_CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_CHAIN_TOO_LONG',
]);
/** Verification failures a CA file does not fix: the certificate itself is wrong. */
const BAD_CERT_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'INVALID_CA',
  'INVALID_PURPOSE',
]);

type CodedError = Error & { code?: unknown; cause?: { code?: unknown; message?: unknown; name?: unknown } };

/** The socket error behind a failed request: node:http rejects with it, fetch wraps it as the cause. */
function socketError(cause: unknown): { code?: unknown; message?: unknown } | undefined {
  if (!(cause instanceof Error)) return undefined;
  const error = cause as CodedError;
  return typeof error.code === 'string' ? error : error.cause;
}

/** The socket error's code (`ECONNREFUSED`, …), if any. */
export function socketCode(cause: unknown): string | undefined {
  const code = socketError(cause)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A readable reason for a failed request, and whether it was the server's certificate. */
export function describeCause(cause: unknown): { reason: string; certificate: boolean } {
  if (!(cause instanceof Error)) return { reason: String(cause), certificate: false };
  const error = cause as CodedError;
  // An aborted request carries the abort's reason; AbortSignal.timeout's is a TimeoutError.
  if (error.name === 'TimeoutError' || (error.name === 'AbortError' && error.cause?.name === 'TimeoutError'))
    return { reason: 'request timed out', certificate: false };
  if (error.name === 'AbortError') return { reason: 'request aborted', certificate: false };
  const source = socketError(cause);
  const code = socketCode(cause);
  const message = typeof source?.message === 'string' ? source.message : code;
  if (code === undefined) return { reason: cause.message, certificate: false };
  if (UNTRUSTED_CERT_CODES.has(code))
    return {
      // Newer Nodes add a hint about their --use-system-ca flag: ours, the CA file, is the one p3s takes.
      reason: `certificate verify failed: ${message?.replace(/; if the root CA is installed locally.*$/, '')} (give --ca-file or P3S_CA_FILE with the CA that signed it)`,
      certificate: true,
    };
  if (BAD_CERT_CODES.has(code)) return { reason: `certificate verify failed: ${message}`, certificate: true };
  if (code === 'ECONNREFUSED')
    return { reason: 'connection refused (is the server running?)', certificate: false };
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG')
    return {
      reason: `TLS handshake failed (${code}): is the server serving plain http://?`,
      certificate: false,
    };
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET')
    return { reason: `the server closed the connection (${message})`, certificate: false };
  return { reason: code, certificate: false };
}

export interface ClientOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:7878 */
  server: string;
  /** Per-request timeout in ms (long-polls add their wait). */
  timeoutMs?: number;
  /** Sent as the bearer token when set. */
  token?: string;
  /** PEM file of the CA(s) to trust for https:// instead of the system's (a self-signed server certificate works too). */
  caFile?: string;
  /** How long a submission whose outcome is unknown is sent again with its key (default 30 s; 0: never). */
  resendWindowMs?: number;
  /** Told before each re-send of a submission, with what failed and the idempotency key it is sent with. */
  onResend?: (failure: ApiError | NetworkError, key: string) => void;
}

type Query = Record<string, string | number | undefined>;

export class P3sClient {
  readonly server: string;
  private readonly timeoutMs: number;
  private readonly token: string | undefined;
  private readonly caFile: string | undefined;
  private readonly resendWindowMs: number;
  private readonly onResend: ClientOptions['onResend'];
  private transport: Promise<Transport> | undefined;

  constructor(options: ClientOptions) {
    this.server = options.server.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.token = options.token;
    this.caFile = options.caFile;
    this.resendWindowMs = options.resendWindowMs ?? DEFAULT_RESEND_WINDOW_MS;
    this.onResend = options.onResend;
  }

  // General
  health(): Promise<Health> {
    return this.request('GET', ROUTES.health);
  }
  summary(): Promise<SummaryWire> {
    return this.request('GET', ROUTES.summary);
  }
  statsTimeline(query: TimelineQuery = {}): Promise<TimelineWire> {
    return this.request('GET', ROUTES.statsTimeline, { query });
  }
  statsFailures(query: FailuresQuery = {}): Promise<FailuresWire> {
    return this.request('GET', ROUTES.statsFailures, { query });
  }
  statsQueue(): Promise<QueueDepthWire> {
    return this.request('GET', ROUTES.statsQueue);
  }

  // Jobs
  /**
   * `user` submits on behalf of someone (admins only). With an `idempotencyKey` a re-send creates
   * nothing and answers with the first submission's jobs (`replayed`).
   */
  async submitJobs(
    jobs: unknown[],
    user?: string,
    options: { idempotencyKey?: string } = {},
  ): Promise<{ jobs: JobWire[]; replayed: boolean }> {
    const { body, replayed } = await this.submit<{ jobs: JobWire[] }>(
      ROUTES.jobs,
      user === undefined ? { jobs } : { jobs, user },
      options.idempotencyKey,
    );
    return { ...body, replayed };
  }
  listJobs(query: JobListQuery = {}): Promise<JobList> {
    return this.request('GET', ROUTES.jobs, { query });
  }
  getJob(id: number): Promise<JobDetailWire> {
    return this.request('GET', routePath(ROUTES.job, { id }));
  }
  jobLogs(
    id: number,
    query: { stream?: 'out' | 'err'; offset?: number; attempt?: number; limit?: number } = {},
  ): Promise<LogSliceWire> {
    return this.request('GET', routePath(ROUTES.jobLogs, { id }), { query });
  }
  killJob(id: number): Promise<{ job: JobWire; immediate: boolean }> {
    return this.request('POST', routePath(ROUTES.jobKill, { id }), { body: {} });
  }
  /** `warning`: the job's last payload may still be running (its attempt was lost with a silent pilot). */
  retryJob(id: number): Promise<{ job: JobWire; warning?: string }> {
    return this.request('POST', routePath(ROUTES.jobRetry, { id }), { body: {} });
  }
  adjustJob(id: number, changes: AdjustJobBody): Promise<{ job: JobWire }> {
    return this.request('PATCH', routePath(ROUTES.job, { id }), { body: changes });
  }
  deleteJob(id: number): Promise<{ ok: true }> {
    return this.request('DELETE', routePath(ROUTES.job, { id }));
  }

  // Pilots (management)
  listPilots(
    query: { state?: string; site?: string; host?: string; limit?: number; offset?: number } = {},
  ): Promise<PilotList> {
    return this.request('GET', ROUTES.pilots, { query });
  }
  getPilot(idOrUuid: number | string): Promise<{ pilot: PilotWire }> {
    return this.request('GET', routePath(ROUTES.pilot, { id: idOrUuid }));
  }
  stopPilot(idOrUuid: number | string): Promise<{ pilot: PilotWire }> {
    return this.request('POST', routePath(ROUTES.pilotStop, { id: idOrUuid }), { body: {} });
  }

  // Sites
  defineSite(site: unknown): Promise<DefineSiteReply> {
    return this.request('POST', ROUTES.sites, { body: { site } });
  }
  listSites(): Promise<SiteList> {
    return this.request('GET', ROUTES.sites);
  }
  getSite(name: string): Promise<{ site: SiteWire }> {
    return this.request('GET', routePath(ROUTES.site, { name }));
  }
  deleteSite(name: string): Promise<{ ok: true }> {
    return this.request('DELETE', routePath(ROUTES.site, { name }));
  }

  // Retention
  purge(body: PurgeBody): Promise<PurgeReply> {
    return this.request('POST', ROUTES.purge, { body });
  }

  // Access control
  whoami(): Promise<WhoAmI> {
    return this.request('GET', ROUTES.whoami);
  }
  createToken(body: CreateTokenBody): Promise<CreateTokenReply> {
    return this.request('POST', ROUTES.tokens, { body });
  }
  listTokens(query: TokenListQuery = {}): Promise<TokenList> {
    return this.request('GET', ROUTES.tokens, { query: { ...query, all: query.all ? 'true' : undefined } });
  }
  revokeToken(id: number): Promise<{ token: TokenWire }> {
    return this.request('POST', routePath(ROUTES.tokenRevoke, { id }), { body: {} });
  }
  audit(query: AuditQuery = {}): Promise<AuditList> {
    return this.request('GET', ROUTES.audit, { query });
  }

  // DAG templates and datatypes
  addDag(body: AddDagBody): Promise<{ dag: DagInfoWire }> {
    return this.request('POST', ROUTES.dags, { body });
  }
  listDags(): Promise<{ dags: DagInfoWire[] }> {
    return this.request('GET', ROUTES.dags);
  }
  getDag(name: string): Promise<DagDetailWire> {
    return this.request('GET', routePath(ROUTES.dag, { name }));
  }
  exportDag(name: string, normalized = false): Promise<{ name: string; graphml: string }> {
    return this.request('GET', routePath(ROUTES.dagGraphml, { name }), {
      query: normalized ? { normalized: 'true' } : {},
    });
  }
  deleteDag(name: string, force = false): Promise<{ ok: true }> {
    return this.request('DELETE', routePath(ROUTES.dag, { name }), { query: force ? { force: 'true' } : {} });
  }
  putDatatype(datatype: unknown): Promise<{ datatype: DatatypeWire; created: boolean }> {
    return this.request('POST', ROUTES.datatypes, { body: datatype });
  }
  listDatatypes(): Promise<{ datatypes: DatatypeWire[] }> {
    return this.request('GET', ROUTES.datatypes);
  }
  deleteDatatype(name: string): Promise<{ ok: true }> {
    return this.request('DELETE', routePath(ROUTES.datatype, { name }));
  }

  // Datasets
  registerDataset(body: RegisterDatasetBody): Promise<{ dataset: DatasetWire }> {
    return this.request('POST', ROUTES.datasets, { body });
  }
  listDatasets(query: DatasetListQuery = {}): Promise<DatasetList> {
    return this.request('GET', ROUTES.datasets, { query });
  }
  getDataset(id: number): Promise<{ dataset: DatasetWire }> {
    return this.request('GET', routePath(ROUTES.dataset, { id }));
  }

  // Workflows
  /** With an `idempotencyKey` a re-send creates nothing and answers with the first workflow (`replayed`). */
  async createWorkflow(
    body: CreateWorkflowBody,
    options: { idempotencyKey?: string } = {},
  ): Promise<WorkflowDetailWire & { replayed: boolean }> {
    const answer = await this.submit<WorkflowDetailWire>(ROUTES.workflows, body, options.idempotencyKey);
    return { ...answer.body, replayed: answer.replayed };
  }
  listWorkflows(query: WorkflowListQuery = {}): Promise<WorkflowList> {
    return this.request('GET', ROUTES.workflows, { query });
  }
  getWorkflow(id: number): Promise<WorkflowDetailWire> {
    return this.request('GET', routePath(ROUTES.workflow, { id }));
  }
  startWorkflow(id: number): Promise<{ workflow: WorkflowWire }> {
    return this.request('POST', routePath(ROUTES.workflowStart, { id }), { body: {} });
  }
  cancelWorkflow(id: number): Promise<{ workflow: WorkflowWire }> {
    return this.request('POST', routePath(ROUTES.workflowCancel, { id }), { body: {} });
  }
  retryWorkflow(id: number): Promise<{ workflow: WorkflowWire }> {
    return this.request('POST', routePath(ROUTES.workflowRetry, { id }), { body: {} });
  }
  deleteWorkflow(id: number): Promise<{ ok: true }> {
    return this.request('DELETE', routePath(ROUTES.workflow, { id }));
  }

  // Pilot protocol
  registerPilot(body: RegisterPilotBody): Promise<RegisterPilotReply> {
    return this.request('POST', ROUTES.pilots, { body });
  }
  /** `hold`: a reason to take no job now (answered at once), or null to take jobs again (see ClaimBody). */
  claim(
    uuid: string,
    wait: number,
    beat: number,
    signal?: AbortSignal,
    hold?: string | null,
  ): Promise<ClaimReply> {
    return this.request('POST', routePath(ROUTES.pilotClaim, { id: uuid }), {
      body: hold === undefined ? { wait, beat } : { wait, beat, hold },
      extraTimeoutMs: wait * 1000,
      signal,
    });
  }
  startJob(id: number, body: StartJobBody): Promise<JobCommandReplyWire> {
    return this.request('POST', routePath(ROUTES.jobStart, { id }), { body });
  }
  heartbeat(id: number, body: HeartbeatBody): Promise<JobCommandReplyWire> {
    return this.request('POST', routePath(ROUTES.jobHeartbeat, { id }), { body });
  }
  finishJob(id: number, body: FinishJobBody): Promise<FinishJobReply> {
    return this.request('POST', routePath(ROUTES.jobFinish, { id }), { body });
  }
  deregisterPilot(uuid: string): Promise<{ pilot: PilotWire }> {
    return this.request('POST', routePath(ROUTES.pilotDeregister, { id: uuid }), { body: {} });
  }

  /**
   * A POST that creates, always with an Idempotency-Key (the caller's, or a new one): while its outcome
   * is unknown (no answer, or 503) it is sent again with that key, so it is stored once and answered.
   * `replayed` when the server repeated an earlier call's answer (this call's first send was a replay).
   */
  private async submit<T>(path: string, body: unknown, givenKey: string | undefined) {
    const key = givenKey ?? randomUUID();
    const headers = { 'idempotency-key': key };
    const deadline = Date.now() + this.resendWindowMs;
    for (let n = 0; ; n++) {
      try {
        const { body: answer, response } = await this.exchange<T>('POST', path, { body, headers });
        return { body: answer, replayed: n === 0 && response.headers['idempotent-replayed'] === 'true' };
      } catch (error) {
        const delay = resendDelayMs(n);
        if (outcomeOf(error) !== 'unknown' || Date.now() + delay > deadline) throw error;
        this.onResend?.(error as ApiError | NetworkError, key);
        await sleep(delay);
      }
    }
  }

  /** Sends one request; exported for tests that probe raw routes. */
  async request<T>(
    method: string,
    path: string,
    options: { body?: unknown; query?: Query; extraTimeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    return (await this.exchange<T>(method, path, options)).body;
  }

  private async exchange<T>(
    method: string,
    path: string,
    options: {
      body?: unknown;
      query?: Query;
      extraTimeoutMs?: number;
      signal?: AbortSignal;
      headers?: Record<string, string>;
    } = {},
  ): Promise<{ body: T; response: RawResponse }> {
    const url = new URL(this.server + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const timeout = AbortSignal.timeout(this.timeoutMs + (options.extraTimeoutMs ?? 0));
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    const transport = await this.transportFor(url);
    let response: RawResponse;
    try {
      response = await transport.exchange(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal,
      });
    } catch (error) {
      throw new NetworkError(this.server, error);
    }
    const { text } = response;
    const parsed = text === '' ? undefined : safeJson(text);
    if (response.status < 200 || response.status > 299) {
      const body = (parsed as ErrorBody | undefined)?.error;
      throw new ApiError(
        response.status,
        body && typeof body.code === 'string'
          ? { code: body.code, message: body.message, details: body.details ?? [] }
          : { code: 'http_error', message: `HTTP ${response.status} from ${url.pathname}`, details: [] },
      );
    }
    return { body: parsed as T, response };
  }

  /** Closes the client's idle keep-alive connections. */
  close(): void {
    void this.transport?.then((t) => t.close()).catch(() => undefined);
  }

  /** The keep-alive transport to the server, made on first use (reading the CA file, if any, then). */
  private transportFor(url: URL): Promise<Transport> {
    this.transport ??= makeTransport(url.protocol === 'https:', this.caFile);
    // A CA file that cannot be read fails this request and the next ones alike, each with the reason.
    return this.transport;
  }
}

async function makeTransport(secure: boolean, caFile: string | undefined): Promise<Transport> {
  if (caFile === undefined) return new Transport(secure);
  try {
    return new Transport(secure, await readFile(caFile, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the CA file ${caFile}: ${(error as Error).message}`, { cause: error });
  }
}

/** What a failed submission says of its outcome (see resend.ts). */
function outcomeOf(error: unknown): SubmitOutcome {
  if (error instanceof ApiError) return submitOutcome({ kind: 'answer', status: error.status });
  if (error instanceof NetworkError)
    return submitOutcome({ kind: 'no_answer', code: error.code, certificate: error.certificate });
  return 'answered';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
