// Access control (issue #5) as one matrix: every API route the server registers × nine identities
// (no token, an unknown token, an expired and a revoked admin token, user A, user B, the pilot
// token of site A that registered the pilot, the pilot token of site B, an admin), each asserting
// the exact status, under both read policies. EXPECTED is written by hand from the policy in the
// issue — not derived from ROUTE_ACCESS, which it checks — and a route the server registers
// without a row here (or a row for a route that no longer exists) fails the test.
//
// Each cell acts on fresh objects of user A made just for it (a defined job to kill, a cancelled one
// to retry, a pilot of site A holding a job to start, …), so the cells of one route do not interfere
// and the allowed identities get the route's success status. One app per read policy serves all
// cells (building an app costs ~250 ms; a cell a few ms).
//
// Secrets (issue #19): user A's jobs and workflows carry a secret-named env value, site A's env
// another. Every answer of every cell is searched for both: only the owner and admins may get the
// job's (and site A's pilot, whose claim hands it to the payload), only admins and pilots the
// site's. A second table says who sees each value and who sees it redacted, route by route.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED, type ReadPolicy } from '../../src/core/index.ts';
import { API_PREFIX } from '../../src/protocol/routes.ts';
import {
  changedTables,
  createIdentities,
  DbFingerprinter,
  type FileTestApp,
  IDENTITIES,
  type Identity,
  makeFileTestApp,
  SITE_A,
  SITE_B,
  tokenIdOf,
  USER_A,
} from '../helpers/access.ts';
import { call, createToken, registration } from '../helpers/app.ts';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * Expected status per identity, columns in IDENTITIES order: none (no token), bad (unknown token),
 * expired, revoked, userA (usA), userB (usB), pilot (pil: site A's pilot token, which registered
 * the pilot), pilotB (plB: site B's pilot token), admin.
 * `none` is the status under readPolicy 'token'; `openNone` the one without a token under 'open'
 * (every other column is the same under both policies: a pilot token reads only its own site even
 * when reads are open).
 */
interface Row {
  token: string;
  openNone: number;
}

// biome-ignore format: a table reads best aligned
const EXPECTED: Record<string, Row> = {
  //                                                     non bad exp rev usA usB pil plB adm
  'GET /api/v1/health':                        { token: '200 401 401 401 200 200 200 200 200', openNone: 200 },
  'GET /api/v1/openapi.json':                  { token: '200 401 401 401 200 200 200 200 200', openNone: 200 },
  'GET /metrics':                              { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'GET /api/v1/summary':                       { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'GET /api/v1/stats/timeline':                { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'GET /api/v1/stats/failures':                { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'GET /api/v1/stats/queue':                   { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },

  'POST /api/v1/jobs':                         { token: '401 401 401 401 201 201 403 403 201', openNone: 401 },
  'GET /api/v1/jobs':                          { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'GET /api/v1/jobs/progress':                 { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'GET /api/v1/jobs/:id':                      { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'GET /api/v1/jobs/:id/logs':                 { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'GET /api/v1/jobs/:id/why':                  { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'POST /api/v1/jobs/:id/kill':                { token: '401 401 401 401 200 403 403 403 200', openNone: 401 },
  'POST /api/v1/jobs/:id/retry':               { token: '401 401 401 401 200 403 403 403 200', openNone: 401 },
  'PATCH /api/v1/jobs/:id':                    { token: '401 401 401 401 200 403 403 403 200', openNone: 401 },
  'DELETE /api/v1/jobs/:id':                   { token: '401 401 401 401 200 403 403 403 200', openNone: 401 },

  'POST /api/v1/pilots':                       { token: '401 401 401 401 403 403 201 403 201', openNone: 401 },
  'GET /api/v1/pilots':                        { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'GET /api/v1/pilots/:id':                    { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'POST /api/v1/pilots/:id/stop':              { token: '401 401 401 401 403 403 403 403 200', openNone: 401 },
  'POST /api/v1/pilots/:id/deregister':        { token: '401 401 401 401 403 403 200 403 200', openNone: 401 },
  'POST /api/v1/pilots/:id/claim':             { token: '401 401 401 401 403 403 200 403 200', openNone: 401 },
  'POST /api/v1/pilots/claims':                { token: '401 401 401 401 403 403 200 403 200', openNone: 401 },
  'POST /api/v1/jobs/:id/start':               { token: '401 401 401 401 403 403 200 403 200', openNone: 401 },
  'POST /api/v1/jobs/:id/heartbeat':           { token: '401 401 401 401 403 403 200 403 200', openNone: 401 },
  'POST /api/v1/jobs/:id/finish':              { token: '401 401 401 401 403 403 200 403 200', openNone: 401 },

  'POST /api/v1/sites':                        { token: '401 401 401 401 403 403 403 403 201', openNone: 401 },
  'GET /api/v1/sites':                         { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'GET /api/v1/sites/:name':                   { token: '401 401 401 401 200 200 200 403 200', openNone: 200 },
  'DELETE /api/v1/sites/:name':                { token: '401 401 401 401 403 403 403 403 200', openNone: 401 },
  'POST /api/v1/sites/:name/drain':            { token: '401 401 401 401 403 403 403 403 200', openNone: 401 },
  'POST /api/v1/sites/:name/resume':           { token: '401 401 401 401 403 403 403 403 200', openNone: 401 },
  'GET /api/v1/sites/:name/provisioning':      { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'GET /api/v1/retry-rules':                   { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'GET /api/v1/retry-rules/:rule':             { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'POST /api/v1/retry-rules':                  { token: '401 401 401 401 403 403 403 403 201', openNone: 401 },
  'DELETE /api/v1/retry-rules/:rule':          { token: '401 401 401 401 403 403 403 403 200', openNone: 401 },
  'POST /api/v1/workers':                      { token: '401 401 401 401 403 403 403 403 201', openNone: 401 },
  'POST /api/v1/workers/changes':              { token: '401 401 401 401 403 403 403 403 200', openNone: 401 },
  'GET /api/v1/workers':                       { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'GET /api/v1/workers/:id':                   { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'POST /api/v1/workers/:id/kill':             { token: '401 401 401 401 403 403 403 403 200', openNone: 401 },
  'POST /api/v1/purge':                        { token: '401 401 401 401 403 403 403 403 200', openNone: 401 },

  'POST /api/v1/dags':                         { token: '401 401 401 401 201 201 403 403 201', openNone: 401 },
  'GET /api/v1/dags':                          { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'GET /api/v1/dags/:name':                    { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'GET /api/v1/dags/:name/graphml':            { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'DELETE /api/v1/dags/:name':                 { token: '401 401 401 401 200 403 403 403 200', openNone: 401 },
  'POST /api/v1/datatypes':                    { token: '401 401 401 401 201 201 403 403 201', openNone: 401 },
  'GET /api/v1/datatypes':                     { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'DELETE /api/v1/datatypes/:name':            { token: '401 401 401 401 403 403 403 403 200', openNone: 401 },
  'POST /api/v1/datasets':                     { token: '401 401 401 401 201 201 403 403 201', openNone: 401 },
  'GET /api/v1/datasets':                      { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'GET /api/v1/datasets/:id':                  { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'POST /api/v1/workflows':                    { token: '401 401 401 401 201 201 403 403 201', openNone: 401 },
  'GET /api/v1/workflows':                     { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'GET /api/v1/workflows/:id':                 { token: '401 401 401 401 200 200 403 403 200', openNone: 200 },
  'POST /api/v1/workflows/:id/start':          { token: '401 401 401 401 200 403 403 403 200', openNone: 401 },
  'POST /api/v1/workflows/:id/cancel':         { token: '401 401 401 401 200 403 403 403 200', openNone: 401 },
  'POST /api/v1/workflows/:id/retry':          { token: '401 401 401 401 200 403 403 403 200', openNone: 401 },
  'DELETE /api/v1/workflows/:id':              { token: '401 401 401 401 200 403 403 403 200', openNone: 401 },

  'GET /api/v1/whoami':                        { token: '401 401 401 401 200 200 200 200 200', openNone: 401 },
  'POST /api/v1/tokens':                       { token: '401 401 401 401 403 403 403 403 201', openNone: 401 },
  'GET /api/v1/tokens':                        { token: '401 401 401 401 403 403 403 403 200', openNone: 401 },
  'POST /api/v1/tokens/:id/revoke':            { token: '401 401 401 401 200 403 403 403 200', openNone: 401 },
  'GET /api/v1/audit':                         { token: '401 401 401 401 403 403 403 403 200', openNone: 401 },
};

function expectedStatus(row: Row, identity: Identity, policy: ReadPolicy): number {
  if (identity === 'none' && policy === 'open') return row.openNone;
  const statuses = row.token.trim().split(/\s+/).map(Number);
  if (statuses.length !== IDENTITIES.length)
    throw new Error(`row "${row.token}" needs ${IDENTITIES.length} statuses`);
  return statuses[IDENTITIES.indexOf(identity)] as number;
}

// ---------------------------------------------------------------------------------------------
// The scene: what every cell shares (made once per app), and the fresh objects each cell acts on.

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'p3s');
const TWOSTEP = readFileSync(join(FIXTURES, 'chain', 'twostep.graphml'), 'utf8');
const TXT = JSON.parse(readFileSync(join(FIXTURES, 'data', 'txtDataType.json'), 'utf8'));
const SHARED_DAG = 'dagA';

/** A secret-named value in user A's jobs and workflows, and one in site A's env. */
const JOB_SECRET = 'job-secret-value-4c1d9e';
const SITE_SECRET = 'site-secret-value-8b2f70';
const JOB_ENV = { API_TOKEN: JOB_SECRET, INPUT: 'plain-value' };
const SITE_ENV = { STORAGE_PASSWORD: SITE_SECRET, SITE_INPUT: 'plain-site-value' };
/** Who may receive each secret in any answer. */
const SEERS: [string, readonly Identity[]][] = [
  [JOB_SECRET, ['userA', 'admin', 'pilot']],
  [SITE_SECRET, ['admin', 'pilot']],
];

interface World {
  t: FileTestApp;
  tokens: Record<Identity, string | null>;
  /** A fresh number for unique names. */
  next(): number;
  base: { jobId: number; pilotId: number; datasetId: number; workflowId: number; workerId: number };
}

/** A setup call that must succeed: throws (failing the cell loudly) when it does not. */
async function must(
  w: World,
  as: Identity,
  method: Method,
  url: string,
  body: unknown,
  status: number,
  // biome-ignore lint/suspicious/noExplicitAny: API answers in tests are arbitrary JSON
): Promise<any> {
  const res = await call(w.t.app, method, url, body, w.tokens[as]);
  if (res.status !== status)
    throw new Error(`scene setup ${method} ${url} as ${as}: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

const scene = {
  /** A defined job of user A (no site a test pilot serves, so nothing claims it). */
  async jobOfA(w: World): Promise<number> {
    const json = await must(
      w,
      'userA',
      'POST',
      '/api/v1/jobs',
      { jobs: [{ payload: '/bin/true', jobtype: 'idle', env: JOB_ENV }] },
      201,
    );
    return json.jobs[0].id;
  },
  async cancelledJobOfA(w: World): Promise<number> {
    const id = await scene.jobOfA(w);
    await must(w, 'admin', 'POST', `/api/v1/jobs/${id}/kill`, undefined, 200);
    return id;
  },
  /** A pilot of site A registered with the site-A pilot token; it takes only its own job type. */
  async pilotOfA(w: World): Promise<{ uuid: string; id: number; jobtype: string }> {
    const n = w.next();
    const jobtype = `only-${n}`;
    const json = await must(
      w,
      'pilot',
      'POST',
      '/api/v1/pilots',
      registration(`pA-${n}`, { site: SITE_A, jobTypes: [jobtype] }),
      201,
    );
    return { uuid: json.pilot.uuid, id: json.pilot.id, jobtype };
  },
  /** A fresh site-A pilot, and a job of user A that only it takes, waiting to be claimed. */
  async pilotWithWaitingJob(w: World): Promise<{ uuid: string; id: number; jobtype: string }> {
    const pilot = await scene.pilotOfA(w);
    await must(
      w,
      'userA',
      'POST',
      '/api/v1/jobs',
      { jobs: [{ payload: '/bin/true', jobtype: pilot.jobtype, site: SITE_A, env: JOB_ENV }] },
      201,
    );
    return pilot;
  },
  /** A job of user A that a fresh site-A pilot claimed (and, with `started`, started). */
  async heldJob(w: World, started: boolean): Promise<{ uuid: string; jobId: number; attempt: number }> {
    const pilot = await scene.pilotWithWaitingJob(w);
    const claimed = await must(
      w,
      'pilot',
      'POST',
      `/api/v1/pilots/${pilot.uuid}/claim`,
      { wait: 0, beat: 1 },
      200,
    );
    if (!claimed.job) throw new Error('scene setup: the pilot claimed no job');
    const held = {
      uuid: pilot.uuid,
      jobId: claimed.job.id as number,
      attempt: claimed.job.attempt as number,
    };
    if (started)
      await must(
        w,
        'pilot',
        'POST',
        `/api/v1/jobs/${held.jobId}/start`,
        { pilot: held.uuid, attempt: held.attempt, pid: 1234 },
        200,
      );
    return held;
  },
  async workflowOfA(w: World, state: 'template' | 'defined' | 'cancelled'): Promise<number> {
    const json = await must(
      w,
      'userA',
      'POST',
      '/api/v1/workflows',
      {
        dag: SHARED_DAG,
        state: state === 'template' ? 'template' : 'defined',
        jobinfo: { reduction: { env: JOB_ENV } },
      },
      201,
    );
    const id = json.workflow.id as number;
    if (state === 'cancelled')
      await must(w, 'admin', 'POST', `/api/v1/workflows/${id}/cancel`, undefined, 200);
    return id;
  },
  async unusedDagOfA(w: World): Promise<string> {
    const name = `dagA-${w.next()}`;
    await must(w, 'userA', 'POST', '/api/v1/dags', { name, graphml: TWOSTEP }, 201);
    return name;
  },
  async unusedDatatype(w: World): Promise<string> {
    const name = `DT${w.next()}`;
    await must(w, 'admin', 'POST', '/api/v1/datatypes', { name, ext: '.dt', comment: 'matrix' }, 201);
    return name;
  },
  async site(w: World): Promise<string> {
    const name = `site-${w.next()}`;
    await must(w, 'admin', 'POST', '/api/v1/sites', { site: { name } }, 201);
    return name;
  },
  /** A retry rule an admin added, by name. */
  async retryRule(w: World): Promise<string> {
    const name = `rule-${w.next()}`;
    await must(w, 'admin', 'POST', '/api/v1/retry-rules', { name, action: 'retry' }, 201);
    return name;
  },
  /** A queued worker at site A, as the factory records one. */
  async worker(w: World): Promise<number> {
    const json = await must(w, 'admin', 'POST', '/api/v1/workers', { workers: [newWorker(w)] }, 201);
    return json.workers[0].id;
  },
  /** A second token of user A's name (so user A may revoke it as their own). */
  async spareTokenOfA(w: World): Promise<number> {
    return tokenIdOf(w.t.store, await createToken(w.t.store, 'user', USER_A));
  },
};

/** A batch job the factory just submitted at site A. */
const newWorker = (w: World) => ({
  site: SITE_A,
  batchSystem: 'slurm',
  batchId: `slurm:${w.next()}`,
  state: 'submitted',
  reason: null,
  failure: null,
  logPath: null,
  factory: 'matrix',
});
/** A site the factory provisions, for its provisioning state. */
const SITE_P = 'siteP';

interface Cell {
  url: string;
  body?: unknown;
}
type Setup = (w: World) => Promise<Cell>;

const at =
  (url: string): Setup =>
  async () => ({ url });

/** How to build one cell of each route: the objects it needs and a body the allowed identities succeed with. */
const SCENES: Record<string, Setup> = {
  'GET /api/v1/health': at('/api/v1/health'),
  'GET /api/v1/openapi.json': at('/api/v1/openapi.json'),
  'GET /metrics': at('/metrics'),
  'GET /api/v1/summary': at('/api/v1/summary'),
  'GET /api/v1/stats/timeline': at('/api/v1/stats/timeline'),
  'GET /api/v1/stats/failures': at('/api/v1/stats/failures'),
  'GET /api/v1/stats/queue': at('/api/v1/stats/queue'),

  'POST /api/v1/jobs': async () => ({
    url: '/api/v1/jobs',
    body: { jobs: [{ payload: '/bin/true', jobtype: 'idle' }] },
  }),
  'GET /api/v1/jobs': at('/api/v1/jobs'),
  'GET /api/v1/jobs/progress': async (w) => ({ url: `/api/v1/jobs/progress?ids=${w.base.jobId}` }),
  'GET /api/v1/jobs/:id': async (w) => ({ url: `/api/v1/jobs/${w.base.jobId}` }),
  'GET /api/v1/jobs/:id/logs': async (w) => ({ url: `/api/v1/jobs/${w.base.jobId}/logs` }),
  'GET /api/v1/jobs/:id/why': async (w) => ({ url: `/api/v1/jobs/${w.base.jobId}/why` }),
  'POST /api/v1/jobs/:id/kill': async (w) => ({ url: `/api/v1/jobs/${await scene.jobOfA(w)}/kill` }),
  'POST /api/v1/jobs/:id/retry': async (w) => ({
    url: `/api/v1/jobs/${await scene.cancelledJobOfA(w)}/retry`,
  }),
  'PATCH /api/v1/jobs/:id': async (w) => ({
    url: `/api/v1/jobs/${await scene.jobOfA(w)}`,
    body: { priority: 7 },
  }),
  'DELETE /api/v1/jobs/:id': async (w) => ({ url: `/api/v1/jobs/${await scene.jobOfA(w)}` }),

  'POST /api/v1/pilots': async (w) => ({
    url: '/api/v1/pilots',
    body: registration(`new-${w.next()}`, { site: SITE_A }),
  }),
  'GET /api/v1/pilots': at('/api/v1/pilots'),
  'GET /api/v1/pilots/:id': async (w) => ({ url: `/api/v1/pilots/${w.base.pilotId}` }),
  'POST /api/v1/pilots/:id/stop': async (w) => ({
    url: `/api/v1/pilots/${(await scene.pilotOfA(w)).id}/stop`,
  }),
  'POST /api/v1/pilots/:id/deregister': async (w) => ({
    url: `/api/v1/pilots/${(await scene.pilotOfA(w)).uuid}/deregister`,
  }),
  'POST /api/v1/pilots/:id/claim': async (w) => ({
    url: `/api/v1/pilots/${(await scene.pilotOfA(w)).uuid}/claim`,
    body: { wait: 0, beat: 1 },
  }),
  'POST /api/v1/pilots/claims': async (w) => ({
    url: '/api/v1/pilots/claims',
    body: { claims: [{ pilot: (await scene.pilotOfA(w)).uuid, wait: 0, beat: 1 }] },
  }),
  'POST /api/v1/jobs/:id/start': async (w) => {
    const held = await scene.heldJob(w, false);
    return {
      url: `/api/v1/jobs/${held.jobId}/start`,
      body: { pilot: held.uuid, attempt: held.attempt, pid: 42 },
    };
  },
  'POST /api/v1/jobs/:id/heartbeat': async (w) => {
    const held = await scene.heldJob(w, true);
    return {
      url: `/api/v1/jobs/${held.jobId}/heartbeat`,
      body: { pilot: held.uuid, attempt: held.attempt, metrics: null },
    };
  },
  'POST /api/v1/jobs/:id/finish': async (w) => {
    const held = await scene.heldJob(w, true);
    return {
      url: `/api/v1/jobs/${held.jobId}/finish`,
      body: {
        pilot: held.uuid,
        attempt: held.attempt,
        outcome: { kind: 'exited', exitCode: 0 },
        metrics: null,
      },
    };
  },

  'POST /api/v1/sites': async (w) => ({
    url: '/api/v1/sites',
    body: { site: { name: `new-site-${w.next()}` } },
  }),
  'GET /api/v1/sites': at('/api/v1/sites'),
  'GET /api/v1/sites/:name': at(`/api/v1/sites/${SITE_A}`),
  'DELETE /api/v1/sites/:name': async (w) => ({ url: `/api/v1/sites/${await scene.site(w)}` }),
  'POST /api/v1/sites/:name/drain': async (w) => ({ url: `/api/v1/sites/${await scene.site(w)}/drain` }),
  'POST /api/v1/sites/:name/resume': async (w) => ({ url: `/api/v1/sites/${await scene.site(w)}/resume` }),
  'GET /api/v1/sites/:name/provisioning': at(`/api/v1/sites/${SITE_P}/provisioning`),
  'GET /api/v1/retry-rules': at('/api/v1/retry-rules'),
  // The first shipped default, by id.
  'GET /api/v1/retry-rules/:rule': at('/api/v1/retry-rules/1'),
  'POST /api/v1/retry-rules': async (w) => ({
    url: '/api/v1/retry-rules',
    body: { name: `new-rule-${w.next()}`, match: { errorName: 'lost' }, action: 'retry' },
  }),
  'DELETE /api/v1/retry-rules/:rule': async (w) => ({
    url: `/api/v1/retry-rules/${await scene.retryRule(w)}`,
  }),
  'POST /api/v1/workers': async (w) => ({ url: '/api/v1/workers', body: { workers: [newWorker(w)] } }),
  'POST /api/v1/workers/changes': async (w) => ({
    url: '/api/v1/workers/changes',
    body: { changes: [{ id: await scene.worker(w), from: 'submitted', to: 'running', at: 1 }] },
  }),
  'GET /api/v1/workers': at('/api/v1/workers'),
  'GET /api/v1/workers/:id': async (w) => ({ url: `/api/v1/workers/${w.base.workerId}` }),
  'POST /api/v1/workers/:id/kill': async (w) => ({ url: `/api/v1/workers/${await scene.worker(w)}/kill` }),
  'POST /api/v1/purge': async () => ({ url: '/api/v1/purge', body: { what: 'jobs', olderThan: '3650d' } }),

  'POST /api/v1/dags': async (w) => ({
    url: '/api/v1/dags',
    body: { name: `new-dag-${w.next()}`, graphml: TWOSTEP },
  }),
  'GET /api/v1/dags': at('/api/v1/dags'),
  'GET /api/v1/dags/:name': at(`/api/v1/dags/${SHARED_DAG}`),
  'GET /api/v1/dags/:name/graphml': at(`/api/v1/dags/${SHARED_DAG}/graphml`),
  'DELETE /api/v1/dags/:name': async (w) => ({ url: `/api/v1/dags/${await scene.unusedDagOfA(w)}` }),
  'POST /api/v1/datatypes': async (w) => ({
    url: '/api/v1/datatypes',
    body: { name: `NEW${w.next()}`, ext: '.new', comment: '' },
  }),
  'GET /api/v1/datatypes': at('/api/v1/datatypes'),
  'DELETE /api/v1/datatypes/:name': async (w) => ({
    url: `/api/v1/datatypes/${await scene.unusedDatatype(w)}`,
  }),
  'POST /api/v1/datasets': async (w) => ({
    url: '/api/v1/datasets',
    body: { name: `file-${w.next()}.txt`, datatype: 'TXT' },
  }),
  'GET /api/v1/datasets': at('/api/v1/datasets'),
  'GET /api/v1/datasets/:id': async (w) => ({ url: `/api/v1/datasets/${w.base.datasetId}` }),
  'POST /api/v1/workflows': async () => ({ url: '/api/v1/workflows', body: { dag: SHARED_DAG } }),
  'GET /api/v1/workflows': at('/api/v1/workflows'),
  'GET /api/v1/workflows/:id': async (w) => ({ url: `/api/v1/workflows/${w.base.workflowId}` }),
  'POST /api/v1/workflows/:id/start': async (w) => ({
    url: `/api/v1/workflows/${await scene.workflowOfA(w, 'template')}/start`,
  }),
  'POST /api/v1/workflows/:id/cancel': async (w) => ({
    url: `/api/v1/workflows/${await scene.workflowOfA(w, 'defined')}/cancel`,
  }),
  'POST /api/v1/workflows/:id/retry': async (w) => ({
    url: `/api/v1/workflows/${await scene.workflowOfA(w, 'cancelled')}/retry`,
  }),
  'DELETE /api/v1/workflows/:id': async (w) => ({
    url: `/api/v1/workflows/${await scene.workflowOfA(w, 'template')}`,
  }),

  'GET /api/v1/whoami': at('/api/v1/whoami'),
  'POST /api/v1/tokens': async () => ({ url: '/api/v1/tokens', body: { name: 'carol', role: 'user' } }),
  'GET /api/v1/tokens': at('/api/v1/tokens'),
  'POST /api/v1/tokens/:id/revoke': async (w) => ({
    url: `/api/v1/tokens/${await scene.spareTokenOfA(w)}/revoke`,
  }),
  'GET /api/v1/audit': at('/api/v1/audit'),
};

async function makeWorld(policy: ReadPolicy): Promise<World> {
  const t = await makeFileTestApp({ readPolicy: policy });
  const tokens = await createIdentities(t);
  let counter = 0;
  const w: World = {
    t,
    tokens,
    next: () => ++counter,
    base: { jobId: 0, pilotId: 0, datasetId: 0, workflowId: 0, workerId: 0 },
  };
  await must(w, 'admin', 'POST', '/api/v1/sites', { site: { name: SITE_A, env: SITE_ENV } }, 201);
  await must(w, 'admin', 'POST', '/api/v1/sites', { site: { name: SITE_B } }, 201);
  await must(
    w,
    'admin',
    'POST',
    '/api/v1/sites',
    { site: { name: SITE_P, provisioning: { batch: 'slurm', maxWorkers: 1 } } },
    201,
  );
  await must(w, 'admin', 'POST', '/api/v1/datatypes', TXT, 201);
  await must(w, 'userA', 'POST', '/api/v1/dags', { name: SHARED_DAG, graphml: TWOSTEP }, 201);
  w.base.jobId = await scene.jobOfA(w);
  w.base.pilotId = (await scene.pilotOfA(w)).id;
  w.base.datasetId = (
    await must(w, 'userA', 'POST', '/api/v1/datasets', { name: 'base.txt', datatype: 'TXT' }, 201)
  ).dataset.id;
  w.base.workflowId = await scene.workflowOfA(w, 'template');
  w.base.workerId = await scene.worker(w);
  return w;
}

// ---------------------------------------------------------------------------------------------

const POLICIES: ReadPolicy[] = ['token', 'open'];
// The route list comes from the server itself (built before the tests are collected).
const worlds = new Map<ReadPolicy, World>();
for (const policy of POLICIES) worlds.set(policy, await makeWorld(policy));
const tokenWorld = worlds.get('token') as World;
// /metrics sits outside the prefix (Prometheus's path) but is guarded like the API's reads.
const apiRoutes = tokenWorld.t.app.p3s.routes
  .filter((r) => r.url.startsWith(`${API_PREFIX}/`) || r.url === '/metrics')
  .map((r) => `${r.method} ${r.url}`);
const fingerprinters = new Map<ReadPolicy, DbFingerprinter>();

beforeAll(() => {
  for (const [policy, w] of worlds) fingerprinters.set(policy, new DbFingerprinter(w.t.dbPath));
});
afterAll(async () => {
  for (const f of fingerprinters.values()) f.close();
  for (const w of worlds.values()) await w.t.close();
});

describe('the access matrix covers exactly the server routes', () => {
  it('finds the API routes on the server', () => {
    expect(apiRoutes.length).toBeGreaterThanOrEqual(40);
  });

  it('has a row and a scene for every API route the server registers', () => {
    const missing = apiRoutes.filter((key) => !(key in EXPECTED) || !(key in SCENES));
    expect(
      missing,
      `routes the server registers without an EXPECTED row or a SCENES entry in test/server/access-matrix.test.ts: ${missing.join(', ')} — add the expected status of each identity`,
    ).toEqual([]);
  });

  it('lists no route the server does not have', () => {
    const stale = [...new Set([...Object.keys(EXPECTED), ...Object.keys(SCENES)])].filter(
      (key) => !apiRoutes.includes(key),
    );
    expect(stale, `rows for routes the server no longer registers: ${stale.join(', ')}`).toEqual([]);
  });
});

describe.each(POLICIES)('readPolicy %s', (policy) => {
  it.each(apiRoutes)('%s', async (key) => {
    const row = EXPECTED[key];
    const setup = SCENES[key];
    if (!row || !setup) throw new Error(`${key}: no EXPECTED row or scene (see the coverage test above)`);
    const w = worlds.get(policy) as World;
    const fingerprinter = fingerprinters.get(policy) as DbFingerprinter;
    const method = key.split(' ')[0] as Method;
    const mismatches: string[] = [];
    for (const identity of IDENTITIES) {
      const cell = await setup(w);
      const expected = expectedStatus(row, identity, policy);
      const token = w.tokens[identity];
      const before = expected >= 400 ? fingerprinter.fingerprint() : undefined;
      const res = await w.t.app.inject({
        method,
        url: cell.url,
        ...(token === null ? {} : { headers: { authorization: `Bearer ${token}` } }),
        ...(cell.body === undefined ? {} : { payload: cell.body as object }),
      });
      const where = `${identity.padEnd(7)} ${method} ${cell.url}`;
      if (res.statusCode !== expected)
        mismatches.push(`${where}: expected ${expected}, got ${res.statusCode} ${res.body.slice(0, 200)}`);
      if (res.statusCode === 401 && res.headers['www-authenticate'] !== 'Bearer realm="p3s"')
        mismatches.push(
          `${where}: 401 without WWW-Authenticate: Bearer realm="p3s" (${res.headers['www-authenticate']})`,
        );
      if (res.statusCode >= 400 && JSON.parse(res.body)?.error?.code === undefined)
        mismatches.push(`${where}: ${res.statusCode} without the error body`);
      for (const [secret, seers] of SEERS)
        if (res.body.includes(secret) && !seers.includes(identity))
          mismatches.push(`${where}: the answer holds the secret ${secret}`);
      if (before) {
        const changed = changedTables(before, fingerprinter.fingerprint());
        if (changed.length > 0)
          mismatches.push(`${where}: refused with ${res.statusCode} but changed ${changed.join(', ')}`);
      }
    }
    expect(mismatches, `readPolicy ${policy}, ${key}:\n${mismatches.join('\n')}`).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Who sees a secret env value, and who sees it redacted (reads open, so no token reads too).

type Sight = 'value' | 'redacted' | 'refused';
const SIGHT: Record<string, Sight> = { S: 'value', R: 'redacted', '-': 'refused' };
const SIGHT_IDENTITIES = ['none', 'userA', 'userB', 'pilot', 'admin'] as const;

// biome-ignore lint/suspicious/noExplicitAny: API answers in tests are arbitrary JSON
type Json = any;
// biome-ignore format: a table reads best aligned
const SIGHTS: [string, string, (w: World) => Promise<Cell>, (json: Json) => Record<string, string>][] = [
  //                                    non usA usB pil adm
  ['GET /api/v1/jobs/:id',              'R   S   R   -   S', async (w) => ({ url: `/api/v1/jobs/${w.base.jobId}` }), (j) => j.job.env],
  ['GET /api/v1/jobs',                  'R   S   R   -   S', async (w) => ({ url: `/api/v1/jobs?ids=${w.base.jobId}` }), (j) => j.jobs[0].env],
  ['GET /api/v1/jobs/progress',         'R   S   R   -   S', async (w) => ({ url: `/api/v1/jobs/progress?ids=${await scene.cancelledJobOfA(w)}&jobs=true` }), (j) => j.jobs[0].env],
  ['GET /api/v1/workflows/:id',         'R   S   R   -   S', async (w) => ({ url: `/api/v1/workflows/${w.base.workflowId}` }), workflowEnv],
  ['GET /api/v1/sites',                 'R   R   R   -   S', at('/api/v1/sites'), (j) => j.sites.find((s: { name: string }) => s.name === SITE_A).env],
  ['GET /api/v1/sites/:name',           'R   R   R   S   S', at(`/api/v1/sites/${SITE_A}`), (j) => j.site.env],
  ['POST /api/v1/pilots/:id/claim',     '-   -   -   S   S', async (w) => claimCell(w), (j) => j.job.env],
  ['POST /api/v1/pilots/claims',        '-   -   -   S   S', async (w) => claimsCell(w), (j) => j.answers[0].job.env],
];

function workflowEnv(json: { jobs: { name: string; env: Record<string, string> }[] }) {
  return json.jobs.find((j) => j.name === 'reduction')?.env ?? {};
}

/** As claimCell, through the claims of several pilots (here one). */
async function claimsCell(w: World): Promise<Cell> {
  const pilot = await scene.pilotWithWaitingJob(w);
  return { url: '/api/v1/pilots/claims', body: { claims: [{ pilot: pilot.uuid, wait: 0, beat: 1 }] } };
}

/** A claim by a fresh site-A pilot while user A's job of its type waits (an admin may drive any pilot). */
async function claimCell(w: World): Promise<Cell> {
  const pilot = await scene.pilotWithWaitingJob(w);
  return { url: `/api/v1/pilots/${pilot.uuid}/claim`, body: { wait: 0, beat: 1 } };
}

describe('who sees secret-named env values (readPolicy open)', () => {
  it.each(SIGHTS)('%s', async (key, row, setup, envOf) => {
    const w = worlds.get('open') as World;
    const method = key.split(' ')[0] as Method;
    const expected = row
      .trim()
      .split(/\s+/)
      .map((c) => SIGHT[c]);
    const secret = key.includes('/sites') ? 'STORAGE_PASSWORD' : 'API_TOKEN';
    const value = key.includes('/sites') ? SITE_SECRET : JOB_SECRET;
    const plain = key.includes('/sites') ? ['SITE_INPUT', 'plain-site-value'] : ['INPUT', 'plain-value'];
    const got: string[] = [];
    for (const identity of SIGHT_IDENTITIES) {
      const cell = await setup(w);
      const res = await call(w.t.app, method, cell.url, cell.body, w.tokens[identity]);
      if (res.status >= 400) {
        got.push('refused');
        continue;
      }
      const env = envOf(res.json);
      // Only the secret is hidden: the plain value beside it is shown to everyone who reads the env.
      expect(env[plain[0] as string], `${identity} ${key}`).toBe(plain[1]);
      got.push(env[secret] === value ? 'value' : env[secret] === REDACTED ? 'redacted' : `?${env[secret]}`);
    }
    expect(got).toEqual(expected);
  });
});
