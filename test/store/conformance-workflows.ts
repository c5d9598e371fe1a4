// Conformance: the stored side of workflows — datatypes, DAG templates (atomic replace, refused
// deletes), datasets, and workflows created, listed and deleted whole or not at all.

import { describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  InvalidTransitionError,
  NotFoundError,
  ValidationError,
} from '../../src/core/index.ts';
import { writeDagGraphml } from '../../src/workflow/index.ts';
import { type ConformanceContext, T0 } from './conformance-fixtures.ts';
import { createWorkflow, makeDag, newWorkflow, TestPilot } from './conformance-workflow-fixtures.ts';

const TXT = { name: 'TXT', ext: '.txt', comment: 'text files' };

export function describeWorkflowStorage(ctx: ConformanceContext): void {
  describe('datatypes', () => {
    it('adds, updates, lists and deletes datatypes', async () => {
      const store = await ctx.fresh();
      expect(await store.workflows.putDatatype(TXT, T0)).toEqual({ datatype: TXT, created: true });
      const root = { name: 'ROOT', ext: '.root', comment: '' };
      await store.workflows.putDatatype(root, T0);
      const changed = { ...TXT, comment: 'plain text' };
      expect(await store.workflows.putDatatype(changed, T0 + 1)).toEqual({
        datatype: changed,
        created: false,
      });
      expect(await store.workflows.listDatatypes()).toEqual([root, changed]);
      await store.workflows.deleteDatatype('ROOT');
      expect(await store.workflows.listDatatypes()).toEqual([changed]);
      await expect(store.workflows.deleteDatatype('ROOT')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('refuses to delete a datatype a stored DAG uses, naming the DAG', async () => {
      const store = await ctx.fresh();
      await store.workflows.putDatatype(TXT, T0);
      const dag = makeDag('a>b');
      dag.edges[0]!.datatype = 'TXT';
      await store.workflows.addDag(
        { name: 'typed', description: '', user: 'alice', template: dag, graphml: '<graphml/>' },
        { replace: false },
        T0,
      );
      const error = await store.workflows.deleteDatatype('TXT').catch((e) => e);
      expect(error).toBeInstanceOf(InvalidTransitionError);
      expect(error.message).toContain('used by DAG typed');
    });
  });

  describe('DAG templates', () => {
    const dagOf = (edges: string) => {
      const template = makeDag(edges);
      return {
        name: 'chain',
        description: 'a chain',
        user: 'alice',
        template,
        graphml: writeDagGraphml(template),
      };
    };

    it('stores a template with its GraphML text and lists it', async () => {
      const store = await ctx.fresh();
      const dag = dagOf('a>b b>c');
      const info = await store.workflows.addDag(dag, { replace: false }, T0);
      expect(info).toEqual({
        name: 'chain',
        description: 'a chain',
        user: 'alice',
        vertices: 3,
        edges: 2,
        workflows: 0,
        createdAt: T0,
        updatedAt: T0,
      });
      expect(await store.workflows.getDag('chain')).toEqual({
        ...info,
        template: dag.template,
        graphml: dag.graphml,
      });
      expect(await store.workflows.listDags()).toEqual([info]);
      expect(await store.workflows.getDag('nope')).toBeUndefined();
    });

    it('refuses a second DAG of the same name, and replaces it in place when asked', async () => {
      const store = await ctx.fresh();
      await store.workflows.addDag(dagOf('a>b'), { replace: false }, T0);
      const error = await store.workflows
        .addDag(dagOf('x>y y>z'), { replace: false }, T0 + 1)
        .catch((e) => e);
      expect(error).toBeInstanceOf(AlreadyExistsError);
      expect(error.message).toContain('--replace');
      expect((await store.workflows.getDag('chain'))?.vertices).toBe(2);
      const replaced = await store.workflows.addDag(dagOf('x>y y>z'), { replace: true }, T0 + 2);
      expect(replaced).toMatchObject({ vertices: 3, createdAt: T0, updatedAt: T0 + 2 });
      expect((await store.workflows.getDag('chain'))?.template.vertices.map((v) => v.name)).toEqual([
        'x',
        'y',
        'z',
      ]);
      expect(await store.workflows.listDags()).toHaveLength(1);
    });

    it('refuses a template with an unregistered datatype and stores nothing', async () => {
      const store = await ctx.fresh();
      const dag = dagOf('a>b');
      dag.template.edges[0]!.datatype = 'NOSUCH';
      const error = await store.workflows.addDag(dag, { replace: false }, T0).catch((e) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.details).toEqual([
        { path: '/edges/0/datatype', message: 'edge a → b: "NOSUCH" is not a registered datatype' },
      ]);
      expect(await store.workflows.listDags()).toEqual([]);
    });

    it('refuses to delete a DAG its workflows name unless forced; the workflows outlive it', async () => {
      const store = await ctx.fresh();
      const { workflow } = await createWorkflow(store, makeDag('a>b'), { name: 'used' });
      expect((await store.workflows.getDag('used'))?.workflows).toBe(1);
      const error = await store.workflows.deleteDag('used', { force: false }).catch((e) => e);
      expect(error).toBeInstanceOf(InvalidTransitionError);
      expect(error.message).toContain('used by 1 workflow');
      await store.workflows.deleteDag('used', { force: true });
      expect(await store.workflows.getDag('used')).toBeUndefined();
      const pilot = await TestPilot.register(store);
      expect(await pilot.runAll()).toEqual(['a', 'b']);
      expect((await store.workflows.getWorkflow(workflow.id))?.workflow.state).toBe('finished');
      await expect(store.workflows.deleteDag('used', { force: false })).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('createWorkflow', () => {
    it('stores a template workflow: jobs named after vertices, files joined to their jobs', async () => {
      const store = await ctx.fresh();
      const dag = makeDag('a>b a>c');
      dag.vertices[0]!.env = { MODE: 'fast' };
      const { workflow, jobs, files } = await createWorkflow(store, dag, { state: 'template' });
      expect(workflow).toMatchObject({
        name: 'wf-dag',
        dag: 'dag',
        state: 'template',
        user: 'alice',
        startedAt: null,
        endedAt: null,
        createdAt: T0,
      });
      expect(workflow.counts).toMatchObject({ template: 3, total: 3, defined: 0 });
      expect(jobs.map((j) => [j.name, j.state, j.workflowId])).toEqual([
        ['a', 'template', workflow.id],
        ['b', 'template', workflow.id],
        ['c', 'template', workflow.id],
      ]);
      expect(jobs[0]?.env).toEqual({ MODE: 'fast', F0: '/data/a-b.txt', F1: '/data/a-c.txt' });
      expect(files.map((f) => [f.edgeIndex, f.source, f.target, f.path, f.state])).toEqual([
        [0, 'a', 'b', '/data/a-b.txt', 'template'],
        [1, 'a', 'c', '/data/a-c.txt', 'template'],
      ]);
      expect(files[0]).toMatchObject({
        sourceJobId: jobs[0]?.id,
        targetJobId: jobs[1]?.id,
        workflowId: workflow.id,
      });
      // A template workflow's jobs are not claimable.
      expect(await (await TestPilot.register(store)).claim()).toBeNull();
    });

    it('starts at once when created defined: sources released, noop sources completed', async () => {
      const store = await ctx.fresh();
      const { workflow, jobs, files } = await createWorkflow(store, makeDag('N>a N>b a>c b>c', ['N']));
      expect(workflow).toMatchObject({ state: 'defined', startedAt: T0 });
      expect(jobs.map((j) => [j.name, j.state])).toEqual([
        ['N', 'finished'],
        ['a', 'defined'],
        ['b', 'defined'],
        ['c', 'template'],
      ]);
      expect(files.map((f) => f.state)).toEqual(['ready', 'ready', 'template', 'template']);
      const events = (await store.getJobDetail(jobs[1]!.id))?.events ?? [];
      expect(events.map((e) => [e.transition, e.toState, e.actor, e.detail])).toEqual([
        ['submit', 'template', 'alice', null],
        ['release', 'defined', 'alice', 'parents_finished'],
      ]);
    });

    it('stores nothing when the DAG is unknown or the files do not fit the jobs', async () => {
      const store = await ctx.fresh();
      const dag = makeDag('a>b');
      await expect(
        store.workflows.createWorkflow(newWorkflow(dag, 'missing', 'defined'), T0),
      ).rejects.toBeInstanceOf(NotFoundError);
      await createWorkflow(store, dag, { name: 'ok', state: 'template' });
      const broken = newWorkflow(dag, 'ok', 'defined');
      broken.files[0]!.target = 'nobody';
      const error = await store.workflows.createWorkflow(broken, T0).catch((e) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.details[0]).toEqual({
        path: '/files/0/target',
        message: '"nobody" is not a vertex of the workflow',
      });
      expect((await store.workflows.listWorkflows({}, 10, 0)).total).toBe(1);
      expect((await store.summary()).jobs.total).toBe(2);
      expect((await store.workflows.listDatasets({}, 10, 0)).total).toBe(1);
    });

    it('lists workflows newest first with job counts, filtered by state, DAG and user', async () => {
      const store = await ctx.fresh();
      const first = await createWorkflow(store, makeDag('a>b'), { name: 'one', state: 'template' });
      const second = await createWorkflow(store, makeDag('x>y'), { name: 'two' });
      const all = await store.workflows.listWorkflows({}, 10, 0);
      expect(all.total).toBe(2);
      expect(all.workflows.map((w) => w.id)).toEqual([second.workflow.id, first.workflow.id]);
      expect(all.workflows[0]?.counts).toMatchObject({ defined: 1, template: 1, total: 2 });
      const byState = await store.workflows.listWorkflows({ states: ['template'] }, 10, 0);
      expect(byState.workflows.map((w) => w.dag)).toEqual(['one']);
      expect((await store.workflows.listWorkflows({ dag: 'two' }, 10, 0)).total).toBe(1);
      expect((await store.workflows.listWorkflows({ user: 'bob' }, 10, 0)).total).toBe(0);
      expect((await store.workflows.listWorkflows({}, 1, 1)).workflows.map((w) => w.id)).toEqual([
        first.workflow.id,
      ]);
      expect(
        (
          await store.listJobs({
            filter: { workflowId: first.workflow.id },
            sort: 'id',
            order: 'asc',
            limit: 10,
            offset: 0,
          })
        ).total,
      ).toBe(2);
      expect(await store.workflows.getWorkflow(999_999)).toBeUndefined();
    });
  });

  describe('datasets', () => {
    it('registers files, checking the datatype, and lists them by name, datatype and state', async () => {
      const store = await ctx.fresh();
      await store.workflows.putDatatype(TXT, T0);
      const file = {
        name: 'output.txt',
        dirpath: '/tmp',
        datatype: 'TXT',
        state: 'defined',
        comment: 'c',
        user: 'alice',
      };
      const stored = await store.workflows.registerDataset(file, T0);
      expect(stored).toMatchObject({
        ...file,
        path: '/tmp/output.txt',
        workflowId: null,
        edgeIndex: null,
        createdAt: T0,
      });
      expect(stored.uuid).toMatch(/^[0-9a-f-]{36}$/);
      expect(await store.workflows.getDataset(stored.id)).toEqual(stored);
      await createWorkflow(store, makeDag('a>b'), { state: 'template' });
      expect((await store.workflows.listDatasets({ name: 'output.txt' }, 10, 0)).datasets).toEqual([stored]);
      expect((await store.workflows.listDatasets({ datatype: 'TXT' }, 10, 0)).total).toBe(1);
      expect((await store.workflows.listDatasets({ state: 'template' }, 10, 0)).total).toBe(1);
      expect((await store.workflows.listDatasets({}, 10, 0)).total).toBe(2);
      const error = await store.workflows
        .registerDataset({ ...file, datatype: 'NOSUCH' }, T0)
        .catch((e) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.details[0].path).toBe('/datatype');
      expect(await store.workflows.getDataset(999_999)).toBeUndefined();
    });
  });

  describe('deleteWorkflow', () => {
    it('refuses while a pilot holds one of its jobs, then deletes jobs, history and files together', async () => {
      const store = await ctx.fresh();
      const { workflow, jobs } = await createWorkflow(store, makeDag('a>b'));
      const pilot = await TestPilot.register(store);
      const job = (await pilot.claim())!;
      const error = await store.workflows.deleteWorkflow(workflow.id).catch((e) => e);
      expect(error).toBeInstanceOf(InvalidTransitionError);
      expect(error.message).toContain('cancel it first');
      await pilot.finish(job, { kind: 'exited', exitCode: 2 });
      await store.workflows.deleteWorkflow(workflow.id);
      expect(await store.workflows.getWorkflow(workflow.id)).toBeUndefined();
      for (const j of jobs) expect(await store.getJobDetail(j.id)).toBeUndefined();
      expect((await store.workflows.listDatasets({}, 10, 0)).total).toBe(0);
      await expect(store.workflows.deleteWorkflow(workflow.id)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('leaves single workflow jobs to their workflow: no delete, release or park of one job', async () => {
      const store = await ctx.fresh();
      const { jobs } = await createWorkflow(store, makeDag('a>b'));
      const [a, b] = jobs as [NonNullable<(typeof jobs)[0]>, NonNullable<(typeof jobs)[0]>];
      await expect(store.deleteJob(a.id, 'alice')).rejects.toThrow(/delete the whole workflow/);
      await expect(store.adjustJob(b.id, { state: 'defined' }, 'alice', T0)).rejects.toThrow(
        /its workflow releases it/,
      );
      await expect(store.adjustJob(a.id, { state: 'template' }, 'alice', T0)).rejects.toBeInstanceOf(
        InvalidTransitionError,
      );
      expect(await store.adjustJob(b.id, { priority: 7 }, 'alice', T0)).toMatchObject({
        priority: 7,
        state: 'template',
      });
    });
  });
}
