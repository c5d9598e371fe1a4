// A live p3s for the monitor's browser tests and screenshots: the real server in this process on a
// temporary SQLite file, real pilot processes (with a pilot token), and helpers that submit jobs and
// workflows through the JSON API the way users do: as the user `alice`, with her user token.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { P3sClient } from '../../src/protocol/client.ts';
import type { JobWire } from '../../src/protocol/schemas/jobs.ts';
import type { AppConfig } from '../../src/server/app.ts';
import { createToken } from './app.ts';
import { graphml, type TestEdge, type TestVertex } from './graphml.ts';
import { baseEnv, killAll, type Proc, removeDir, startP3s, tempDir, waitFor } from './processes.ts';
import { type RealServer, startRealServer } from './real-server.ts';

export const PAYLOADS = join(import.meta.dirname, '..', 'fixtures', 'payloads');

/** The user who submits the scene's jobs and workflows. */
export const SCENE_USER = 'alice';

export interface Scene {
  server: RealServer;
  dir: string;
  /** The user token of `alice`, who owns what submit() and runWorkflow() make (log in with it to kill). */
  userToken: string;
  pilots: Proc[];
  startPilot(args?: string[]): Proc;
  /** Submits P3S job objects as user `alice`; returns the stored jobs. */
  submit(jobs: Record<string, unknown>[]): Promise<JobWire[]>;
  /** Waits until the job is in one of `states`. */
  waitForState(id: number, states: string[], timeoutMs?: number): Promise<JobWire>;
  /** Adds a DAG and starts a workflow of it; returns the workflow id and its jobs by vertex name. */
  runWorkflow(
    name: string,
    vertices: TestVertex[],
    edges: TestEdge[],
  ): Promise<{ id: number; jobs: Map<string, number> }>;
  close(): Promise<void>;
}

export async function startScene(
  options: { pilots?: number; config?: Partial<AppConfig> } = {},
): Promise<Scene> {
  const dir = tempDir('p3s-monitor-');
  const server = await startRealServer({
    sqlitePath: join(dir, 'p3s.db'),
    config: { leaseSeconds: 30, ...options.config },
  });
  const pilotToken = await createToken(server.store, 'pilot', 'scene-pilots');
  const userToken = await createToken(server.store, 'user', SCENE_USER);
  // Users submit with their own token; `client` (the admin's) watches and adjusts.
  const user = new P3sClient({ server: server.url, timeoutMs: 20_000, token: userToken });
  const env = baseEnv({ P3S_HOME: dir, P3S_SERVER: server.url, P3S_TOKEN: pilotToken, USER: 'tester' });
  const client = server.client;
  const scene: Scene = {
    server,
    dir,
    userToken,
    pilots: [],
    startPilot(args = []) {
      const pilot = startP3s(
        [
          'pilot',
          '-c',
          '0',
          '-b',
          '0.5',
          '-p',
          '2',
          '--work-dir',
          join(dir, 'work'),
          '--joblog-dir',
          join(dir, 'joblogs'),
          '--log-level',
          'warn',
          ...args,
        ],
        env,
      );
      scene.pilots.push(pilot);
      return pilot;
    },
    async submit(jobs) {
      return (await user.submitJobs(jobs)).jobs;
    },
    async waitForState(id, states, timeoutMs = 60_000) {
      return waitFor(
        `job ${id} to be ${states.join(' or ')}`,
        async () => {
          const { job } = await client.getJob(id);
          return states.includes(job.state) ? job : undefined;
        },
        timeoutMs,
      );
    },
    async runWorkflow(name, vertices, edges) {
      const files = join(dir, 'files', name);
      mkdirSync(files, { recursive: true });
      await user.addDag({
        name,
        graphml: graphml(
          vertices,
          edges.map((e) => ({ dirpath: files, ...e })),
        ),
      });
      const created = await user.createWorkflow({ dag: name, state: 'defined' });
      return { id: created.workflow.id, jobs: new Map(created.jobs.map((j) => [j.name, j.id])) };
    },
    async close() {
      for (const pilot of scene.pilots) pilot.signal('SIGTERM');
      await Promise.all(
        scene.pilots.map((p) => Promise.race([p.exited, new Promise((r) => setTimeout(r, 5000))])),
      );
      await killAll();
      await server.close();
      removeDir(dir);
    },
  };
  for (let i = 0; i < (options.pilots ?? 2); i++) scene.startPilot();
  await waitFor(
    'pilots to register',
    async () => (await client.listPilots({ state: 'idle,running' })).total >= (options.pilots ?? 2),
    60_000,
  );
  return scene;
}

/** A payload that prints `tick N` once a second for `seconds`, then `done`. */
export function slowJob(
  name: string,
  seconds: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name,
    payload: join(PAYLOADS, 'slow-then-done.sh'),
    env: { SLOW_SECONDS: String(seconds) },
    timeout: '300',
    ...extra,
  };
}
