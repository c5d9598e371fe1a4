// Typed HTTP client for the p3s API, used by the CLI, the pilot and the tests: the operations of
// the route table (api-calls.ts) over HTTP, plus the calls that need more than one exchange
// (submissions re-sent with their idempotency key) or a longer timeout (the claim's long-poll).
// Errors come back as ApiError or NetworkError (errors.ts). Requests go through node:http/https
// with a keep-alive agent (transport.ts); a CA file becomes that agent's trusted CA.

import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { monotonicNow } from '../core/clock.ts';
import { ApiCalls } from './api-calls.ts';
import {
  API,
  type Args,
  type Endpoint,
  type PreparedRequest,
  prepare,
  prepareAny,
  type Query,
  type ReplyOf,
  type Shape,
} from './endpoints.ts';
import { ApiError, NetworkError } from './errors.ts';
import { DEFAULT_RESEND_WINDOW_MS, resendDelayMs, type SubmitOutcome, submitOutcome } from './resend.ts';
import type { ErrorBody } from './schemas/common.ts';
import type { JobWire } from './schemas/jobs.ts';
import type { ClaimsBody } from './schemas/pilots.ts';
import type { CreateWorkflowBody, WorkflowDetailWire } from './schemas/workflows.ts';
import { type RawResponse, Transport } from './transport.ts';

export { ApiError, describeCause, NetworkError, socketCode } from './errors.ts';

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

export class P3sClient extends ApiCalls {
  readonly server: string;
  private readonly timeoutMs: number;
  private readonly token: string | undefined;
  private readonly caFile: string | undefined;
  private readonly resendWindowMs: number;
  private readonly onResend: ClientOptions['onResend'];
  private transport: Promise<Transport> | undefined;

  constructor(options: ClientOptions) {
    super();
    this.server = options.server.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.token = options.token;
    this.caFile = options.caFile;
    this.resendWindowMs = options.resendWindowMs ?? DEFAULT_RESEND_WINDOW_MS;
    this.onResend = options.onResend;
  }

  protected async call<S extends Shape>(endpoint: Endpoint<S>, args: Args<S>): Promise<S['reply']> {
    // A read with `wait` is a long-poll: the server may hold it that long before answering.
    const wait = (args.query as { wait?: unknown } | undefined)?.wait;
    const extraTimeoutMs = typeof wait === 'number' ? wait * 1000 : 0;
    return (await this.exchange<S['reply']>(prepare(endpoint, args), { extraTimeoutMs })).body;
  }

  /**
   * `user` submits on behalf of someone (admins only). With an `idempotencyKey` a re-send creates
   * nothing and answers with the first submission's jobs (`replayed`).
   */
  async submitJobs(
    jobs: unknown[],
    user?: string,
    options: { idempotencyKey?: string } = {},
  ): Promise<{ jobs: JobWire[]; replayed: boolean }> {
    const body = user === undefined ? { jobs } : { jobs, user };
    const answer = await this.submit(API.submitJobs, { body }, options.idempotencyKey);
    return { ...answer.body, replayed: answer.replayed };
  }

  /** With an `idempotencyKey` a re-send creates nothing and answers with the first workflow (`replayed`). */
  async createWorkflow(
    body: CreateWorkflowBody,
    options: { idempotencyKey?: string } = {},
  ): Promise<WorkflowDetailWire & { replayed: boolean }> {
    const answer = await this.submit(API.createWorkflow, { body }, options.idempotencyKey);
    return { ...answer.body, replayed: answer.replayed };
  }

  /** `hold`: a reason to take no job now (answered at once), or null to take jobs again (see ClaimBody). */
  async claim(uuid: string, wait: number, beat: number, signal?: AbortSignal, hold?: string | null) {
    const body = hold === undefined ? { wait, beat } : { wait, beat, hold };
    const request = prepare(API.claim, { params: { id: uuid }, body });
    return (await this.exchange<ReplyOf<typeof API.claim>>(request, { extraTimeoutMs: wait * 1000, signal }))
      .body;
  }

  /** Several pilots' claims in one long-poll (a pilot's slots): their answers, in their order. */
  async claimTogether(claims: ClaimsBody['claims'], signal?: AbortSignal) {
    const wait = Math.max(...claims.map((c) => c.wait));
    const request = prepare(API.claimTogether, { body: { claims } });
    const reply = await this.exchange<ReplyOf<typeof API.claimTogether>>(request, {
      extraTimeoutMs: wait * 1000,
      signal,
    });
    return reply.body.answers;
  }

  /**
   * A POST that creates, always with an Idempotency-Key (the caller's, or a new one): while its outcome
   * is unknown (no answer, or 503) it is sent again with that key, so it is stored once and answered.
   * `replayed` when the server repeated an earlier call's answer (this call's first send was a replay).
   */
  private async submit<S extends Shape>(endpoint: Endpoint<S>, args: Args<S>, givenKey: string | undefined) {
    const key = givenKey ?? randomUUID();
    const headers = { 'idempotency-key': key };
    const request = prepare(endpoint, args);
    const deadline = monotonicNow() + this.resendWindowMs;
    for (let n = 0; ; n++) {
      try {
        const { body, response } = await this.exchange<S['reply']>(request, { headers });
        return { body, replayed: n === 0 && response.headers['idempotent-replayed'] === 'true' };
      } catch (error) {
        const delay = resendDelayMs(n);
        if (outcomeOf(error) !== 'unknown' || monotonicNow() + delay > deadline) throw error;
        this.onResend?.(error as ApiError | NetworkError, key);
        await sleep(delay);
      }
    }
  }

  /** Sends one request to any path (a route outside the table; tests that probe raw routes). */
  async request<T>(
    method: PreparedRequest['method'],
    path: string,
    options: { body?: unknown; query?: Query } = {},
  ): Promise<T> {
    const request = prepareAny(method, path, options);
    return (await this.exchange<T>(request)).body;
  }

  private async exchange<T>(
    request: PreparedRequest,
    options: { extraTimeoutMs?: number; signal?: AbortSignal; headers?: Record<string, string> } = {},
  ): Promise<{ body: T; response: RawResponse }> {
    const url = new URL(this.server + request.url);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const timeout = AbortSignal.timeout(this.timeoutMs + (options.extraTimeoutMs ?? 0));
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    const transport = await this.transportFor(url);
    let response: RawResponse;
    try {
      response = await transport.exchange(url, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
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
