// Table tests of the pure graph functions: cycles, topological order, neighbours, descendants.

import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../errors.ts';
import {
  childrenOf,
  descendantsOf,
  findCycle,
  parentsOf,
  sinks,
  sources,
  topologicalOrder,
} from './dag-rules.ts';
import type { DagTemplate } from './dag-types.ts';

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

describe('DAG rules', () => {
  it('finds no cycle in a DAG and names the cycle of a cyclic graph', () => {
    expect(findCycle(makeDag('a>b b>c a>c'))).toBeNull();
    expect(findCycle(makeDag('x>a a>b b>c c>a'))).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(makeDag('a>a'))).toEqual(['a', 'a']);
  });

  it('orders vertices topologically, breaking ties by file order', () => {
    // File order: d, c, b, a; edges make a and d sources.
    const dag = makeDag('a>b d>c c>b', { order: 'd c b a' });
    expect(topologicalOrder(dag)).toEqual(['d', 'c', 'a', 'b']);
    expect(() => topologicalOrder(makeDag('a>b b>a'))).toThrow('the graph has a cycle: a → b → a');
  });

  it('lists sources, sinks, and parents/children as edges with parallel edges kept', () => {
    // wfmulti1's shape: two parallel edges adc → adcViz and one adc → stats.
    const dag = makeDag('adc>adcViz adc>adcViz adc>stats');
    expect(sources(dag)).toEqual(['adc']);
    expect(sinks(dag)).toEqual(['adcViz', 'stats']);
    expect(childrenOf(dag, 'adc').map((e) => e.index)).toEqual([0, 1, 2]);
    expect(parentsOf(dag, 'adcViz').map((e) => e.index)).toEqual([0, 1]);
    expect(parentsOf(dag, 'adc')).toEqual([]);
    expect(() => parentsOf(dag, 'nope')).toThrow(NotFoundError);
  });

  it('lists descendants in topological order, the vertex itself excluded', () => {
    const dag = makeDag('a>b a>c b>d c>d d>e x>e');
    expect(descendantsOf(dag, 'a')).toEqual(['b', 'c', 'd', 'e']);
    expect(descendantsOf(dag, 'd')).toEqual(['e']);
    expect(descendantsOf(dag, 'e')).toEqual([]);
  });
});
