// Pure graph functions over a DAG template: cycles, topological order, neighbours, descendants.
// Every result is deterministic: ties are broken by the order of vertices and edges in the file.

import { NotFoundError } from '../errors.ts';
import type { DagEdge, DagTemplate, DagVertex } from './dag-types.ts';

interface DagIndex {
  position: Map<string, number>;
  vertex: Map<string, DagVertex>;
  inEdges: Map<string, DagEdge[]>;
  outEdges: Map<string, DagEdge[]>;
  /** Distinct parent/child names, in edge order (parallel edges collapse). */
  parents: Map<string, string[]>;
  children: Map<string, string[]>;
  /** Topological order, computed on first use; null when the graph has a cycle. */
  order?: string[] | null;
}

const indexes = new WeakMap<DagTemplate, DagIndex>();

/** The adjacency index of a template, built once per template object. */
function indexOf(dag: DagTemplate): DagIndex {
  let index = indexes.get(dag);
  if (index) return index;
  index = {
    position: new Map(),
    vertex: new Map(),
    inEdges: new Map(),
    outEdges: new Map(),
    parents: new Map(),
    children: new Map(),
  };
  for (const v of dag.vertices) {
    if (index.vertex.has(v.name)) continue;
    index.position.set(v.name, index.position.size);
    index.vertex.set(v.name, v);
    for (const map of [index.inEdges, index.outEdges, index.parents, index.children]) map.set(v.name, []);
  }
  const pairs = new Set<string>();
  for (const e of dag.edges) {
    const outs = index.outEdges.get(e.source);
    const ins = index.inEdges.get(e.target);
    // Edges to unknown vertices are the reader's to report; here they are left out.
    if (!outs || !ins) continue;
    outs.push(e);
    ins.push(e);
    const pair = JSON.stringify([e.source, e.target]);
    if (pairs.has(pair)) continue;
    pairs.add(pair);
    index.children.get(e.source)?.push(e.target);
    index.parents.get(e.target)?.push(e.source);
  }
  indexes.set(dag, index);
  return index;
}

function known<T>(map: Map<string, T>, vertex: string): T {
  const value = map.get(vertex);
  if (value === undefined) throw new NotFoundError('DAG vertex', vertex);
  return value;
}

/** The vertex named `vertex`; throws NotFoundError for an unknown name. */
export function vertexOf(dag: DagTemplate, vertex: string): DagVertex {
  return known(indexOf(dag).vertex, vertex);
}

/** Incoming edges of a vertex, in file order; parallel edges are all kept. */
export function parentsOf(dag: DagTemplate, vertex: string): DagEdge[] {
  return [...known(indexOf(dag).inEdges, vertex)];
}

/** Outgoing edges of a vertex, in file order; parallel edges are all kept. */
export function childrenOf(dag: DagTemplate, vertex: string): DagEdge[] {
  return [...known(indexOf(dag).outEdges, vertex)];
}

/** Distinct parent vertex names (each once, however many edges join them). */
export function parentVerticesOf(dag: DagTemplate, vertex: string): readonly string[] {
  return known(indexOf(dag).parents, vertex);
}

/** Distinct child vertex names. */
export function childVerticesOf(dag: DagTemplate, vertex: string): readonly string[] {
  return known(indexOf(dag).children, vertex);
}

/** Vertices without incoming edges, in file order. */
export function sources(dag: DagTemplate): string[] {
  const { parents } = indexOf(dag);
  return [...parents].filter(([, p]) => p.length === 0).map(([v]) => v);
}

/** Vertices without outgoing edges, in file order. */
export function sinks(dag: DagTemplate): string[] {
  const { children } = indexOf(dag);
  return [...children].filter(([, c]) => c.length === 0).map(([v]) => v);
}

/**
 * A cycle as the list of its vertices with the first repeated at the end (`['a','b','a']`),
 * or null for an acyclic graph. Depth-first from vertices in file order, iteratively so long
 * chains cannot overflow the stack.
 */
export function findCycle(dag: DagTemplate): string[] | null {
  const { children } = indexOf(dag);
  const WHITE = 0;
  const GREY = 1;
  const BLACK = 2;
  const colour = new Map<string, number>();
  for (const start of children.keys()) {
    if ((colour.get(start) ?? WHITE) !== WHITE) continue;
    const path: string[] = [start];
    const next: number[] = [0];
    colour.set(start, GREY);
    while (path.length > 0) {
      const top = path.length - 1;
      const v = path[top] as string;
      const kids = children.get(v) as string[];
      const i = next[top] as number;
      if (i >= kids.length) {
        colour.set(v, BLACK);
        path.pop();
        next.pop();
        continue;
      }
      next[top] = i + 1;
      const child = kids[i] as string;
      const c = colour.get(child) ?? WHITE;
      if (c === GREY) return [...path.slice(path.indexOf(child)), child];
      if (c === WHITE) {
        colour.set(child, GREY);
        path.push(child);
        next.push(0);
      }
    }
  }
  return null;
}

/**
 * Vertices so that every vertex comes after all its parents; among vertices that are ready at the
 * same time the one earlier in the file comes first. Throws when the graph has a cycle.
 */
export function topologicalOrder(dag: DagTemplate): string[] {
  const index = indexOf(dag);
  index.order ??= kahn(index);
  if (index.order === null) throw new Error(`the graph has a cycle: ${(findCycle(dag) ?? []).join(' → ')}`);
  return [...index.order];
}

function kahn({ position, parents, children }: DagIndex): string[] | null {
  const names = [...position.keys()];
  const waiting = new Map<string, number>();
  const ready = new MinHeap();
  for (const [v, p] of parents) {
    waiting.set(v, p.length);
    if (p.length === 0) ready.push(position.get(v) as number);
  }
  const order: string[] = [];
  while (ready.size > 0) {
    const v = names[ready.pop()] as string;
    order.push(v);
    for (const child of children.get(v) as string[]) {
      const left = (waiting.get(child) as number) - 1;
      waiting.set(child, left);
      if (left === 0) ready.push(position.get(child) as number);
    }
  }
  return order.length < names.length ? null : order;
}

/** Every vertex reachable from `vertex` (itself excluded), in topological order. */
export function descendantsOf(dag: DagTemplate, vertex: string): string[] {
  const { children } = indexOf(dag);
  const seen = new Set<string>();
  const stack = [...known(children, vertex)];
  while (stack.length > 0) {
    const v = stack.pop() as string;
    if (seen.has(v)) continue;
    seen.add(v);
    stack.push(...(children.get(v) as string[]));
  }
  return topologicalOrder(dag).filter((v) => seen.has(v));
}

/** A binary min-heap of numbers (file positions), for the tie-break of topologicalOrder. */
class MinHeap {
  private readonly items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  push(value: number): void {
    const a = this.items;
    a.push(value);
    let i = a.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if ((a[up] as number) <= value) break;
      a[i] = a[up] as number;
      i = up;
    }
    a[i] = value;
  }
  pop(): number {
    const a = this.items;
    const top = a[0] as number;
    const last = a.pop() as number;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const m = r < a.length && (a[r] as number) < (a[l] as number) ? r : l;
        if ((a[m] as number) >= last) break;
        a[i] = a[m] as number;
        i = m;
      }
      a[i] = last;
    }
    return top;
  }
}
