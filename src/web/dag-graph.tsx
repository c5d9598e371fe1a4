// DAGs drawn on the server: dagre lays the graph out (cached, since a workflow's graph never
// changes), and the SVG is plain TSX whose vertices carry state classes, so a refresh recolours it.

import dagre from '@dagrejs/dagre';

export interface GraphVertex {
  id: string;
  label: string;
  /** Second line under the label (a state, a job type). */
  sub?: string;
  /** Colours the vertex like its job's state. */
  state?: string;
  href?: string;
  /** A vertex that runs nothing (drawn dashed). */
  noop?: boolean;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** Shown as the edge's tooltip (the file it carries). */
  title?: string;
}

interface Placed {
  width: number;
  height: number;
  vertices: Map<string, { x: number; y: number; w: number; h: number }>;
  edges: { x: number; y: number }[][];
}

const FONT_PX = 7.2;
const NODE_HEIGHT = 42;
const MAX_LABEL = 28;
const CACHE_SIZE = 64;
const cache = new Map<string, Placed>();

function labelText(label: string): string {
  return label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label;
}

/** Lays the graph out with dagre, top to bottom; the same key and shape reuse the last layout. */
export function layoutGraph(
  key: string,
  vertices: readonly GraphVertex[],
  edges: readonly GraphEdge[],
): Placed {
  const shape = `${key}|${vertices.map((v) => v.id).join(',')}|${edges.map((e) => `${e.from}>${e.to}`).join(',')}`;
  const hit = cache.get(shape);
  if (hit) return hit;
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 46, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const v of vertices) {
    const chars = Math.max(labelText(v.label).length, (v.sub ?? '').length);
    g.setNode(v.id, { width: Math.max(90, Math.round(chars * FONT_PX) + 28), height: NODE_HEIGHT });
  }
  edges.forEach((e, i) => {
    g.setEdge(e.from, e.to, {}, `e${i}`);
  });
  dagre.layout(g);
  const placed: Placed = {
    width: Math.ceil(g.graph().width ?? 0),
    height: Math.ceil(g.graph().height ?? 0),
    vertices: new Map(
      vertices.map((v) => {
        const n = g.node(v.id);
        return [v.id, { x: n.x, y: n.y, w: n.width, h: n.height }];
      }),
    ),
    edges: edges.map((e, i) => g.edge({ v: e.from, w: e.to, name: `e${i}` })?.points ?? []),
  };
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(shape, placed);
  return placed;
}

export function DagSvg({
  layoutKey,
  vertices,
  edges,
}: {
  layoutKey: string;
  vertices: GraphVertex[];
  edges: GraphEdge[];
}) {
  if (vertices.length === 0) return <p class="muted">This graph has no vertices.</p>;
  const placed = layoutGraph(layoutKey, vertices, edges);
  return (
    <div class="dag-wrap">
      <svg
        class="dag"
        xmlns="http://www.w3.org/2000/svg"
        viewBox={`0 0 ${placed.width} ${placed.height}`}
        width={placed.width}
        height={placed.height}
        role="img"
        aria-label="workflow graph"
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
          </marker>
        </defs>
        {edges.map((e, i) => {
          const points = placed.edges[i] ?? [];
          if (points.length === 0) return null;
          const d = points.map((p, j) => `${j === 0 ? 'M' : 'L'} ${round(p.x)} ${round(p.y)}`).join(' ');
          return (
            <path key={i} class="edge" d={d} marker-end="url(#arrow)">
              {e.title && <title>{e.title}</title>}
            </path>
          );
        })}
        {vertices.map((v) => {
          const at = placed.vertices.get(v.id);
          if (!at) return null;
          const body = (
            <g
              class={`node${v.state ? ` state-${v.state}` : ''}${v.noop ? ' noop' : ''}`}
              data-vertex={v.id}
              data-state={v.state}
            >
              <title>{[v.label, v.sub].filter(Boolean).join(' — ')}</title>
              <rect x={round(at.x - at.w / 2)} y={round(at.y - at.h / 2)} width={at.w} height={at.h} rx="7" />
              <text x={round(at.x)} y={round(at.y - 3)} class="label">
                {labelText(v.label)}
              </text>
              {v.sub && (
                <text x={round(at.x)} y={round(at.y + 13)} class="sub">
                  {v.sub}
                </text>
              )}
            </g>
          );
          return v.href ? (
            <a key={v.id} href={v.href}>
              {body}
            </a>
          ) : (
            <g key={v.id}>{body}</g>
          );
        })}
      </svg>
    </div>
  );
}

const round = (n: number) => Math.round(n * 10) / 10;
