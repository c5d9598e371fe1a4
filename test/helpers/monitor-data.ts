// Data for the monitor's render tests, made through the JSON API with inject(): submissions and
// the pilot protocol (register, claim, start, heartbeat with log bytes, finish), as pilots do it.

import type { App } from '../../src/server/app.ts';
import { call, registration } from './app.ts';

// biome-ignore lint/suspicious/noExplicitAny: API answers in tests are arbitrary JSON
type Json = any;

export async function submit(app: App, jobs: Record<string, unknown>[], user = 'alice'): Promise<Json[]> {
  const res = await call(app, 'POST', '/api/v1/jobs', { jobs, user });
  if (res.status !== 201) throw new Error(JSON.stringify(res.json));
  return res.json.jobs;
}

/** A new pilot claims the next job (it must be `id`) and starts it; returns the pilot's uuid. */
export async function start(app: App, id: number, pilot: Record<string, unknown> = {}): Promise<string> {
  const uuid = `pilot-for-${id}`;
  await call(app, 'POST', '/api/v1/pilots', registration(uuid, { host: `node-${id}`, ...pilot }));
  const claim = await call(app, 'POST', `/api/v1/pilots/${uuid}/claim`, { wait: 0, beat: 1 });
  if (claim.json.job?.id !== id)
    throw new Error(`claimed ${JSON.stringify(claim.json)} instead of job ${id}`);
  await call(app, 'POST', `/api/v1/jobs/${id}/start`, { pilot: uuid, attempt: 1, pid: 4321 });
  return uuid;
}

/** Ships `text` as the job's stdout from byte `offset` in a heartbeat. */
export async function log(
  app: App,
  id: number,
  uuid: string,
  offset: number,
  text: string,
  stream: 'out' | 'err' = 'out',
) {
  const res = await call(app, 'POST', `/api/v1/jobs/${id}/heartbeat`, {
    pilot: uuid,
    attempt: 1,
    metrics: { cpuSeconds: 1.5, rssKb: 2048, maxRssKb: 4096 },
    logs: { [stream]: { offset, data: Buffer.from(text).toString('base64') } },
  });
  if (res.status !== 200) throw new Error(JSON.stringify(res.json));
}

export async function finish(app: App, id: number, uuid: string, exitCode: number): Promise<void> {
  const res = await call(app, 'POST', `/api/v1/jobs/${id}/finish`, {
    pilot: uuid,
    attempt: 1,
    outcome: { kind: 'exited', exitCode },
    metrics: { cpuSeconds: 2, rssKb: 1024, maxRssKb: 8192 },
  });
  if (res.status !== 200) throw new Error(JSON.stringify(res.json));
}

/** Submits and runs one job to the exit code; returns its id. */
export async function runToEnd(app: App, job: Record<string, unknown>, exitCode: number): Promise<number> {
  const [stored] = await submit(app, [{ payload: '/bin/x', ...job }]);
  const uuid = await start(app, stored.id);
  await finish(app, stored.id, uuid, exitCode);
  return stored.id;
}

/** The Cookie header of a monitor session logged in with `token`. */
export function sessionCookie(token: string): string {
  return `p3s_session=${encodeURIComponent(token)}`;
}

/**
 * GET a monitor page as a browser (or as htmx with `htmx`: the target id), anonymously or logged
 * in with `token` (its session cookie).
 */
export async function page(app: App, url: string, htmx?: string, token?: string) {
  const res = await app.inject({
    method: 'GET',
    url,
    headers: {
      ...(htmx ? { 'hx-request': 'true', 'hx-target': htmx } : {}),
      ...(token ? { cookie: sessionCookie(token) } : {}),
    },
  });
  return { status: res.statusCode, html: res.body, headers: res.headers };
}

/** Ids of the job rows in a jobs table, in order. */
export function jobRows(html: string): number[] {
  return [...html.matchAll(/<tr data-job="(\d+)"/g)].map((m) => Number(m[1]));
}
