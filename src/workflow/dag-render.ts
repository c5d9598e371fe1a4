// Plain-text rendering of a DAG template for `p3s dag show`: vertices in topological order (sources
// first), each followed by its outgoing edges, indented, with the file each edge carries.

import {
  childrenOf,
  type DagEdge,
  type DagTemplate,
  isNoop,
  parentVerticesOf,
  topologicalOrder,
  vertexOf,
} from '../core/index.ts';

/**
 * Example (3filters):
 *   NOOP1  noop  (source)
 *     → filter1  input.txt  TXT $INPTXT
 *   filter1  filter  grep -c TEST1 $INPTXT > $OUTTXT1
 *     → NOOP2  output.txt  TXT $OUTTXT1
 *   NOOP2  noop  (sink)
 */
export function renderDag(dag: DagTemplate): string {
  const lines: string[] = [];
  for (const name of topologicalOrder(dag)) {
    const vertex = vertexOf(dag, name);
    const out = childrenOf(dag, name);
    const role = [parentVerticesOf(dag, name).length === 0 ? 'source' : '', out.length === 0 ? 'sink' : '']
      .filter(Boolean)
      .join(', ');
    const what = isNoop(vertex) ? '' : oneLine(vertex.payload) || '(no payload)';
    lines.push([name, vertex.jobtype, what, role ? `(${role})` : ''].filter(Boolean).join('  '));
    const width = Math.max(0, ...out.map((e) => e.target.length));
    for (const edge of out) lines.push(`  → ${edge.target.padEnd(width)}  ${describeFile(edge)}`);
  }
  return `${lines.join('\n')}\n`;
}

function describeFile(edge: DagEdge): string {
  const parts = [oneLine(edge.name)];
  if (edge.datatype) parts.push(edge.datatype);
  if (edge.datatag) parts.push(`$${edge.datatag}`);
  return parts.join('  ');
}

/** Keeps a rendering on one line and short, whatever the payload holds. */
function oneLine(value: string): string {
  const flat = value.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 79)}…` : flat;
}
