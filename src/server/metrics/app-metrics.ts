// The server's Prometheus metrics (prom-client), one registry per app: HTTP requests by route
// pattern and status, the pilot protocol's claims, heartbeats and finishes with the time their
// store calls took, dispatch latency and run time. They are observed where the routes call the
// store, not inside it. Labels hold only bounded values: route patterns, methods, statuses,
// states and operation names; job ids, names, sites and job types never appear here.

import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';
import type { Job } from '../../core/index.ts';

/** A pilot-protocol step whose store call is timed. */
export type StoreOperation = 'claim' | 'start' | 'heartbeat' | 'finish';

const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
// Claims long-poll for up to a minute: the HTTP buckets reach that far.
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const DISPATCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
const RUN_BUCKETS = [0.1, 1, 5, 10, 30, 60, 300, 600, 1800, 3600, 7200, 14_400, 43_200, 86_400];

export class AppMetrics {
  readonly registry = new Registry();

  readonly httpRequests = this.#counter(
    'p3s_http_requests_total',
    'HTTP requests answered, by method, route pattern and status code',
    ['method', 'route', 'status'],
  );
  readonly httpSeconds = this.#histogram(
    'p3s_http_request_duration_seconds',
    'Time from request to answer, by method and route pattern (claims long-poll)',
    ['method', 'route'],
    HTTP_BUCKETS,
  );
  readonly claims = this.#counter(
    'p3s_claims_total',
    'Claims answered: result job (a job was dispatched), none (the long-poll ended empty), stop',
    ['result'],
  );
  readonly heartbeats = this.#counter(
    'p3s_heartbeats_total',
    'Heartbeats accepted, by the command sent back (none or kill)',
    ['command'],
  );
  readonly finishes = this.#counter(
    'p3s_finishes_total',
    'Finish reports accepted, by the state the job ended in',
    ['state'],
  );
  readonly storeSeconds = this.#histogram(
    'p3s_store_operation_duration_seconds',
    'Time of the store call behind each pilot-protocol step, by operation and outcome (ok, error)',
    ['operation', 'outcome'],
    STORE_BUCKETS,
  );
  readonly dispatchSeconds = this.#histogram(
    'p3s_dispatch_latency_seconds',
    'Time from a job becoming defined (submitted, released or retried) to its dispatch to a pilot',
    [],
    DISPATCH_BUCKETS,
  );
  readonly runSeconds = this.#histogram(
    'p3s_job_run_duration_seconds',
    "Run time of the attempts that ended (start to end of the payload), by the job's end state",
    ['state'],
    RUN_BUCKETS,
  );

  #counter<L extends string>(name: string, help: string, labelNames: L[]) {
    return new Counter<L>({ name, help, labelNames, registers: [this.registry] });
  }

  #histogram<L extends string>(name: string, help: string, labelNames: L[], buckets: number[]) {
    return new Histogram<L>({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  constructor() {
    // Known label values start at zero, so rates and alerts see a series before its first event.
    for (const result of ['job', 'none', 'stop']) this.claims.inc({ result }, 0);
    for (const command of ['none', 'kill']) this.heartbeats.inc({ command }, 0);
    for (const state of ['finished', 'failed', 'cancelled']) {
      this.finishes.inc({ state }, 0);
      this.runSeconds.zero({ state });
    }
    for (const operation of ['claim', 'start', 'heartbeat', 'finish'])
      this.storeSeconds.zero({ operation, outcome: 'ok' });
  }

  /** Runs one store call of `operation`, timing it whether it succeeds or throws. */
  async timeStore<T>(operation: StoreOperation, call: () => Promise<T>): Promise<T> {
    const end = this.storeSeconds.startTimer({ operation });
    try {
      const result = await call();
      end({ outcome: 'ok' });
      return result;
    } catch (error) {
      end({ outcome: 'error' });
      throw error;
    }
  }

  /** A claim's answer: a job (and how long it waited for a pilot), a stop, or nothing. */
  claimed(answer: { job: Pick<Job, 'definedAt' | 'dispatchedAt'> } | 'stop' | 'none'): void {
    if (typeof answer === 'string') {
      this.claims.inc({ result: answer });
      return;
    }
    this.claims.inc({ result: 'job' });
    const { definedAt, dispatchedAt } = answer.job;
    if (definedAt !== null && dispatchedAt !== null)
      this.dispatchSeconds.observe(Math.max(0, dispatchedAt - definedAt) / 1000);
  }

  /** An attempt ended (a finish report was accepted). */
  ended(job: Pick<Job, 'state' | 'startedAt' | 'endedAt'>): void {
    this.finishes.inc({ state: job.state });
    if (job.startedAt !== null && job.endedAt !== null)
      this.runSeconds.observe({ state: job.state }, Math.max(0, job.endedAt - job.startedAt) / 1000);
  }
}

/** Counts every answered request by its route pattern (never the URL: ids would be unbounded). */
export function registerHttpMetrics(app: FastifyInstance, metrics: AppMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched' };
    metrics.httpRequests.inc({ ...labels, status: String(reply.statusCode) });
    metrics.httpSeconds.observe(labels, reply.elapsedTime / 1000);
  });
}
