// DAG template → GraphML text with typed `<key>`s under the P3S attribute names (key id = attr name),
// every attribute written explicitly; parseDagGraphml reads it back to an equal template.

import type { DagEdge, DagTemplate, DagVertex } from '../core/index.ts';

const NODE_KEYS: readonly [keyof DagVertex, 'string' | 'int'][] = [
  ['payload', 'string'],
  ['env', 'string'],
  ['jobtype', 'string'],
  ['timelimit', 'int'],
  ['priority', 'int'],
];
const EDGE_KEYS: readonly [keyof DagEdge, 'string'][] = [
  ['name', 'string'],
  ['dirpath', 'string'],
  ['datatype', 'string'],
  ['datatag', 'string'],
  ['comment', 'string'],
];

/** Writes a template as GraphML; env is written as JSON object text, as P3S expects. */
export function writeDagGraphml(dag: DagTemplate): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns"' +
      ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' +
      ' xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
  ];
  for (const [name, type] of NODE_KEYS) lines.push(keyLine(name, 'node', type));
  for (const [name, type] of EDGE_KEYS) lines.push(keyLine(name, 'edge', type));
  lines.push('  <graph edgedefault="directed">');
  for (const v of dag.vertices) {
    lines.push(`    <node id="${attr(v.name)}">`);
    for (const [name] of NODE_KEYS) {
      const value = name === 'env' ? JSON.stringify(v.env) : String(v[name]);
      lines.push(dataLine(name, value));
    }
    lines.push('    </node>');
  }
  // Edges are written in index order so the indices survive the round trip.
  for (const e of [...dag.edges].sort((a, b) => a.index - b.index)) {
    lines.push(`    <edge source="${attr(e.source)}" target="${attr(e.target)}">`);
    for (const [name] of EDGE_KEYS) lines.push(dataLine(name, String(e[name])));
    lines.push('    </edge>');
  }
  lines.push('  </graph>', '</graphml>', '');
  return lines.join('\n');
}

function keyLine(name: string, domain: 'node' | 'edge', type: string): string {
  return `  <key id="${name}" for="${domain}" attr.name="${name}" attr.type="${type}"/>`;
}

function dataLine(key: string, value: string): string {
  return `      <data key="${key}">${text(value)}</data>`;
}

/** Escapes element text; CR is written as a reference because XML parsers turn a literal CR into LF. */
function text(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** Escapes an attribute value; whitespace characters are written as references so they survive normalisation. */
function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}
