// Shared pieces of the workflow conformance files: tiny DAGs from "a>b b>c" strings, workflows
// stored from them, and a pilot driver that claims and ends the workflow's jobs.

import { randomUUID } from 'node:crypto';
import type { DagTemplate, Job, JobOutcome, JobState, Pilot } from '../../src/core/index.ts';
import type { NewWorkflow, Store, WorkflowDetail } from '../../src/store/index.ts';
import { instantiateWorkflow, writeDagGraphml } from '../../src/workflow/index.ts';
import { ANY, LEASE_MS, registerPilot, T0 } from './conformance-fixtures.ts';

/** A DAG from "SRC>DST …" (vertices in order of first mention); `noop` names vertices that run nothing. */
export function makeDag(edges: string, noop: string[] = []): DagTemplate {
  const names: string[] = [];
  const pairs = edges
    .split(' ')
    .filter(Boolean)
    .map((p) => p.split('>') as [string, string]);
  for (const v of pairs.flat()) if (!names.includes(v)) names.push(v);
  return {
    vertices: names.map((name) => ({
      name,
      payload: noop.includes(name) ? '' : `/bin/run-${name}`,
      env: {},
      jobtype: noop.includes(name) ? 'noop' : 'default',
      timelimit: 100,
      priority: 0,
    })),
    edges: pairs.map(([source, target], index) => ({
      index,
      source,
      target,
      name: `${source}-${target}.txt`,
      dirpath: '/data',
      datatype: '',
      datatag: `F${index}`,
      comment: '',
    })),
  };
}

/** Stores the DAG under `name` and creates one workflow from it (sticky file names). */
export async function createWorkflow(
  store: Store,
  dag: DagTemplate,
  options: { name?: string; state?: 'template' | 'defined'; now?: number } = {},
): Promise<WorkflowDetail> {
  const name = options.name ?? 'dag';
  if (!(await store.workflows.getDag(name))) {
    await store.workflows.addDag(
      { name, description: '', user: 'alice', template: dag, graphml: writeDagGraphml(dag) },
      { replace: false },
      T0,
    );
  }
  return store.workflows.createWorkflow(
    newWorkflow(dag, name, options.state ?? 'defined'),
    options.now ?? T0,
  );
}

export function newWorkflow(dag: DagTemplate, dagName: string, state: 'template' | 'defined'): NewWorkflow {
  const instance = instantiateWorkflow(dag, { fileinfo: 'sticky', datatypes: [], newId: randomUUID });
  return { dag: dagName, name: `wf-${dagName}`, description: '', user: 'alice', state, ...instance };
}

/** Vertex name → state of the workflow's jobs, as stored now. */
export async function statesOf(store: Store, workflowId: number): Promise<Record<string, JobState>> {
  const detail = await store.workflows.getWorkflow(workflowId);
  return Object.fromEntries((detail?.jobs ?? []).map((j) => [j.name, j.state]));
}

/** A pilot that claims one job at a time and reports the outcome given per job name. */
export class TestPilot {
  private constructor(
    readonly store: Store,
    readonly pilot: Pilot,
  ) {}

  static async register(store: Store): Promise<TestPilot> {
    return new TestPilot(store, await registerPilot(store));
  }

  /** The next claimable job, dispatched to this pilot (null when none). */
  async claim(now = T0): Promise<Job | null> {
    return (await this.store.claimJob(this.pilot.uuid, ANY, LEASE_MS, now))?.job ?? null;
  }

  finish(job: Job, outcome: JobOutcome = { kind: 'exited', exitCode: 0 }, now = T0 + 1): Promise<Job> {
    return this.store.finishJob({
      jobId: job.id,
      pilotUuid: this.pilot.uuid,
      attempt: job.attempt,
      outcome,
      metrics: null,
      now,
    });
  }

  /** Claims jobs and ends each (failing those named in `fail`) until none is claimable; returns names in run order. */
  async runAll(fail: string[] = [], now = T0): Promise<string[]> {
    const ran: string[] = [];
    for (let job = await this.claim(now); job; job = await this.claim(now)) {
      ran.push(job.name);
      await this.finish(job, fail.includes(job.name) ? { kind: 'exited', exitCode: 1 } : undefined, now);
    }
    return ran;
  }
}
