// Property tests over large random DAGs (seeded, so failures reproduce): simulated execution with
// advance() completes every vertex exactly once, parents first; graphology-dag is the reference.

import { MultiDirectedGraph } from 'graphology';
import { hasCycle, topologicalSort } from 'graphology-dag';
import { describe, expect, it } from 'vitest';
import { type JobState, nextJobState } from '../job-state.ts';
import { descendantsOf, findCycle, topologicalOrder } from './dag-rules.ts';
import type { DagTemplate } from './dag-types.ts';
import { advance, applyChanges, CHANGE_TRANSITIONS, initialStates, workflowState } from './readiness.ts';

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random DAG: edges only go from lower to higher rank; file order is shuffled; some noops, some parallel edges. */
function randomDag(random: () => number, n: number): DagTemplate {
  const pick = (k: number) => Math.floor(random() * k);
  const ranked = Array.from({ length: n }, (_, i) => `v${i}`);
  const edges: DagTemplate['edges'] = [];
  for (let r = 1; r < n; r++) {
    const parents = pick(4); // 0 parents = another source
    for (let p = 0; p < parents; p++) {
      const source = ranked[r - 1 - pick(Math.min(r, 50))] as string;
      const copies = random() < 0.05 ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        const file = { name: `f${edges.length}`, dirpath: '', datatype: '', datatag: '', comment: '' };
        edges.push({ index: edges.length, source, target: ranked[r] as string, ...file });
      }
    }
  }
  const fileOrder = [...ranked];
  for (let i = fileOrder.length - 1; i > 0; i--) {
    const j = pick(i + 1);
    [fileOrder[i], fileOrder[j]] = [fileOrder[j] as string, fileOrder[i] as string];
  }
  const vertices = fileOrder.map((name) => {
    const jobtype = random() < 0.1 ? 'noop' : 'default';
    return { name, payload: 'true', env: {}, jobtype, timelimit: 10, priority: 0 };
  });
  return { vertices, edges };
}

function graphOf(dag: DagTemplate): MultiDirectedGraph {
  const graph = new MultiDirectedGraph();
  for (const v of dag.vertices) graph.addNode(v.name);
  for (const e of dag.edges) graph.addEdge(e.source, e.target);
  return graph;
}

/** Fails if some edge runs from a later to an earlier vertex of `order`. */
function expectParentsFirst(dag: DagTemplate, order: readonly string[]) {
  const position = new Map(order.map((v, i) => [v, i]));
  expect(position.size).toBe(dag.vertices.length);
  const late = dag.edges.filter(
    (e) => (position.get(e.source) as number) > (position.get(e.target) as number),
  );
  expect(late).toEqual([]);
}

/**
 * Runs every defined job (random pick) to `outcome(vertex)` until nothing moves; `finished` is the finish
 * order of the vertices that were not finished in `start`.
 */
function simulate(
  dag: DagTemplate,
  random: () => number,
  start: Map<string, JobState>,
  outcome: (vertex: string) => JobState = () => 'finished',
): { states: Map<string, JobState>; finished: string[] } {
  let states = start;
  const finished: string[] = [];
  const set = (vertex: string, to: JobState) => {
    states.set(vertex, to);
    const changes = advance(dag, states, vertex);
    expect(new Set(changes.map((c) => c.vertex)).size).toBe(changes.length);
    for (const c of changes) {
      expect(states.get(c.vertex)).toBe(c.from);
      // Every change is an edge of the job state machine, so the store can apply it as one.
      expect(nextJobState(c.from, CHANGE_TRANSITIONS[c.reason])).toBe(c.to);
    }
    states = applyChanges(states, changes);
    if (to === 'finished') finished.push(vertex);
    finished.push(...changes.filter((c) => c.to === 'finished').map((c) => c.vertex));
  };
  for (;;) {
    const ready = [...states].filter(([, s]) => s === 'defined').map(([v]) => v);
    if (ready.length === 0) break;
    const vertex = ready[Math.floor(random() * ready.length)] as string;
    set(vertex, 'dispatched');
    set(vertex, 'running');
    set(vertex, outcome(vertex));
  }
  return { states, finished };
}

describe('readiness over random DAGs', () => {
  it.each([1, 2, 3])('completes each vertex of a 1,000-vertex DAG once, parents first (seed %i)', (seed) => {
    const random = prng(seed);
    const dag = randomDag(random, 1000);
    const reference = topologicalSort(graphOf(dag));
    expectParentsFirst(dag, reference);
    expectParentsFirst(dag, topologicalOrder(dag));

    const start = initialStates(dag);
    const { states, finished } = simulate(dag, random, start);
    finished.unshift(...[...start].filter(([, s]) => s === 'finished').map(([v]) => v));
    expect(finished).toHaveLength(dag.vertices.length);
    expect(new Set(finished).size).toBe(dag.vertices.length);
    expectParentsFirst(dag, finished);
    expect(workflowState(dag, states)).toBe('finished');
  });

  it('cancels the descendants of a failed job, ends failed, and a retry completes the rest', () => {
    const random = prng(42);
    const dag = randomDag(random, 300);
    const victim = topologicalOrder(dag).find((v) => {
      const vertex = dag.vertices.find((x) => x.name === v);
      return vertex?.jobtype !== 'noop' && descendantsOf(dag, v).length > 20;
    }) as string;
    const start = initialStates(dag);
    const run = simulate(dag, random, start, (v) => (v === victim ? 'failed' : 'finished'));
    run.finished.unshift(...[...start].filter(([, s]) => s === 'finished').map(([v]) => v));
    const below = new Set(descendantsOf(dag, victim));
    for (const v of below) expect(run.states.get(v)).toBe('cancelled');
    for (const [v, s] of run.states) if (v !== victim && !below.has(v)) expect(s).toBe('finished');
    expect(workflowState(dag, run.states)).toBe('failed');

    run.states.set(victim, 'defined');
    const reopened = applyChanges(run.states, advance(dag, run.states, victim));
    for (const v of below) expect(reopened.get(v)).toBe('template');
    const rerun = simulate(dag, random, reopened);
    expect(new Set([...run.finished, ...rerun.finished]).size).toBe(dag.vertices.length);
    expect(run.finished.length + rerun.finished.length).toBe(dag.vertices.length);
    expect(workflowState(dag, rerun.states)).toBe('finished');
  });

  it('finds a cycle exactly when graphology-dag does, and the cycle is real', () => {
    const random = prng(7);
    for (let round = 0; round < 200; round++) {
      const dag = randomDag(random, 30);
      if (round % 2 === 0 && dag.edges.length > 0) {
        const e = dag.edges[Math.floor(random() * dag.edges.length)];
        if (e) dag.edges.push({ ...e, index: dag.edges.length, source: e.target, target: e.source });
      }
      const cycle = findCycle(dag);
      expect(cycle !== null).toBe(hasCycle(graphOf(dag)));
      if (!cycle) continue;
      expect(cycle[0]).toBe(cycle.at(-1));
      for (let i = 0; i + 1 < cycle.length; i++) {
        expect(dag.edges.some((e) => e.source === cycle[i] && e.target === cycle[i + 1])).toBe(true);
      }
    }
  });
});
