import { describe, expect, it } from 'vitest';
import type { JobState } from '../job-state.ts';
import type { DagTemplate } from './dag-types.ts';
import {
  advance,
  applyChanges,
  countByState,
  initialStates,
  type StateChange,
  type WorkflowState,
  workflowState,
} from './readiness.ts';

/** A tiny DAG from "SRC>DST …"; vertices in order of first mention unless `order` lists them first. */
function makeDag(edges: string, options: { noop?: string[]; order?: string } = {}): DagTemplate {
  const noop = new Set(options.noop ?? []);
  const names = (options.order ?? '').split(' ').filter(Boolean);
  const pairs = edges
    .split(' ')
    .filter(Boolean)
    .map((p) => p.split('>') as [string, string]);
  for (const v of pairs.flat()) if (!names.includes(v)) names.push(v);
  return {
    vertices: names.map((name) => {
      const jobtype = noop.has(name) ? 'noop' : 'default';
      return { name, payload: `run-${name}`, env: {}, jobtype, timelimit: 100, priority: 0 };
    }),
    edges: pairs.map(([source, target], index) => {
      const file = { name: `${source}-${target}.txt`, dirpath: '', datatype: '', datatag: '', comment: '' };
      return { index, source, target, ...file };
    }),
  };
}

/** States from "a:finished b:running …"; vertices not named are template. */
function statesOf(dag: DagTemplate, text: string): Map<string, JobState> {
  const states = new Map<string, JobState>(dag.vertices.map((v) => [v.name, 'template']));
  for (const pair of text.split(' ').filter(Boolean)) {
    const [vertex, state] = pair.split(':') as [string, JobState];
    states.set(vertex, state);
  }
  return states;
}

/** Changes as "vertex:from>to" strings, for compact expectations. */
const brief = (changes: StateChange[]) => changes.map((c) => `${c.vertex}:${c.from}>${c.to}`);

const DIAMOND = 'a>b a>c b>d c>d';

describe('initialStates', () => {
  it.each<[string, string, { noop?: string[] }, string]>([
    ['releases the one source of a diamond', DIAMOND, {}, 'a:defined b:template c:template d:template'],
    ['releases every source', 'a>c b>c', {}, 'a:defined b:defined c:template'],
    [
      'finishes a noop source and releases its children (3filters)',
      'N1>f1 N1>f2 N1>f3 f1>N2 f2>N2 f3>N2',
      { noop: ['N1', 'N2'] },
      'N1:finished f1:defined f2:defined f3:defined N2:template',
    ],
    [
      'finishes noops recursively',
      'n1>n2 n2>j j>n3',
      { noop: ['n1', 'n2', 'n3'] },
      'n1:finished n2:finished j:defined n3:template',
    ],
    ['finishes an all-noop DAG', 'n1>n2', { noop: ['n1', 'n2'] }, 'n1:finished n2:finished'],
    [
      'waits for a real source before a shared noop',
      'n>m j>m',
      { noop: ['n', 'm'] },
      'n:finished m:template j:defined',
    ],
  ])('%s', (_name, edges, options, expected) => {
    const dag = makeDag(edges, options);
    expect(initialStates(dag)).toEqual(statesOf(dag, expected));
  });
});

describe('advance', () => {
  it.each<[string, string, { noop?: string[] }, string, string, string[]]>([
    [
      'a finished source releases its children',
      DIAMOND,
      {},
      'a:finished',
      'a',
      ['b:template>defined', 'c:template>defined'],
    ],
    ['a join waits for every parent (AND-join)', DIAMOND, {}, 'a:finished b:finished c:running', 'b', []],
    [
      'a join starts when its last parent finishes',
      DIAMOND,
      {},
      'a:finished b:finished c:finished',
      'c',
      ['d:template>defined'],
    ],
    ['parallel edges count as one parent', 'a>b a>b', {}, 'a:finished', 'a', ['b:template>defined']],
    [
      'a noop in the middle completes and releases what follows',
      'a>n n>b n>c',
      { noop: ['n'] },
      'a:finished',
      'a',
      ['n:template>finished', 'b:template>defined', 'c:template>defined'],
    ],
    [
      'a noop join waits for all its parents',
      'a>n c>n n>b',
      { noop: ['n'] },
      'a:finished c:running',
      'a',
      [],
    ],
    [
      'noops complete through a chain, wherever they are',
      'a>n1 n1>n2 n2>b',
      { noop: ['n1', 'n2'] },
      'a:finished',
      'a',
      ['n1:template>finished', 'n2:template>finished', 'b:template>defined'],
    ],
    [
      'a failed middle job cancels its descendants only',
      'a>b b>c c>d a>e',
      {},
      'a:finished b:failed e:running',
      'b',
      ['c:template>cancelled', 'd:template>cancelled'],
    ],
    [
      'a cancelled job cancels its descendants, ended ones untouched',
      'a>b a>c b>d c>d',
      {},
      'a:finished b:cancelled c:finished',
      'b',
      ['d:template>cancelled'],
    ],
    [
      'a retried job reopens its cancelled descendants',
      'a>b b>c c>d',
      {},
      'a:finished b:defined c:cancelled d:cancelled',
      'b',
      ['c:cancelled>template', 'd:cancelled>template'],
    ],
    [
      'a retry leaves descendants that another failure still blocks',
      'a>b b>c c>d x>d d>e',
      {},
      'a:finished b:defined c:cancelled x:failed d:cancelled e:cancelled',
      'b',
      ['c:cancelled>template'],
    ],
    ['starting and running change nothing', DIAMOND, {}, 'a:running', 'a', []],
    [
      'a retried noop whose parents finished completes at once',
      'a>n n>b',
      { noop: ['n'] },
      'a:finished n:defined b:cancelled',
      'n',
      ['b:cancelled>template', 'n:defined>finished', 'b:template>defined'],
    ],
  ])('%s', (_name, edges, options, states, changed, expected) => {
    const dag = makeDag(edges, options);
    expect(brief(advance(dag, statesOf(dag, states), changed))).toEqual(expected);
  });

  it('does not change its input, and feeding its changes back yields nothing new', () => {
    const dag = makeDag('a>n n>b b>c', { noop: ['n'] });
    const states = statesOf(dag, 'a:finished');
    const changes = advance(dag, states, 'a');
    expect(states.get('n')).toBe('template');
    const after = applyChanges(states, changes);
    for (const c of changes) expect(advance(dag, after, c.vertex)).toEqual([]);
  });

  it('tags each change with its reason', () => {
    const dag = makeDag('a>n n>b', { noop: ['n'] });
    expect(advance(dag, statesOf(dag, 'a:finished'), 'a').map((c) => c.reason)).toEqual([
      'noop_completed',
      'parents_finished',
    ]);
    expect(advance(dag, statesOf(dag, 'a:failed'), 'a').map((c) => c.reason)).toEqual([
      'ancestor_ended',
      'ancestor_ended',
    ]);
  });

  it('runs a failing workflow to failed, then a retry to finished', () => {
    const dag = makeDag('a>b b>c a>d', {});
    let states: Map<string, JobState> = initialStates(dag);
    const step = (vertex: string, to: JobState) => {
      states.set(vertex, to);
      states = applyChanges(states, advance(dag, states, vertex));
    };
    step('a', 'finished');
    step('b', 'failed');
    expect(workflowState(dag, states)).toBe('running'); // d still runs
    step('d', 'finished');
    expect(workflowState(dag, states)).toBe('failed');
    expect(states.get('c')).toBe('cancelled');
    step('b', 'defined');
    expect(states.get('c')).toBe('template');
    step('b', 'finished');
    step('c', 'finished');
    expect(workflowState(dag, states)).toBe('finished');
  });
});

describe('workflowState', () => {
  it.each<[string, string, WorkflowState]>([
    ['nothing started', '', 'template'],
    ['sources released, noop source finished', 'N:finished a:defined', 'defined'],
    ['a job dispatched', 'N:finished a:dispatched', 'running'],
    ['a job finished, the next defined', 'N:finished a:finished b:defined', 'running'],
    ['a job failed while another still runs', 'N:finished a:failed b:running', 'running'],
    [
      'a job failed, nothing left to move',
      'N:finished a:failed b:finished c:cancelled M:cancelled',
      'failed',
    ],
    ['cancelled, none failed', 'N:finished a:cancelled b:cancelled c:cancelled M:cancelled', 'cancelled'],
    ['every vertex finished', 'N:finished a:finished b:finished c:finished M:finished', 'finished'],
  ])('%s → %s', (_name, states, expected) => {
    const dag = makeDag('N>a N>b a>c b>c c>M', { noop: ['N', 'M'] });
    expect(workflowState(dag, statesOf(dag, states))).toBe(expected);
  });
});

describe('countByState', () => {
  it('counts every job state, zeros included', () => {
    const dag = makeDag(DIAMOND);
    expect(countByState(statesOf(dag, 'a:finished b:running'))).toEqual({
      template: 2,
      defined: 0,
      dispatched: 0,
      running: 1,
      finished: 1,
      failed: 0,
      cancelled: 0,
      total: 4,
    });
  });
});
