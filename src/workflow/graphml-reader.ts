// GraphML text → a validated DAG template. Keys are matched by `attr.name` (the key id is arbitrary);
// attributes with other names are ignored, so they can never overwrite a model field. Every problem is
// collected with the line of the element it concerns and thrown at the end as one ValidationError.

import {
  DAG_EDGE_DEFAULTS,
  DAG_LIMITS,
  DAG_VERTEX_DEFAULTS,
  type DagEdge,
  type DagTemplate,
  type DagVertex,
  type FieldIssue,
  findCycle,
  integer,
  JOB_SPEC_LIMITS,
  ValidationError,
} from '../core/index.ts';
import {
  envValue,
  type KeyDecl,
  lineRef,
  readFields,
  readKeys,
  textValue,
  where,
} from './graphml-elements.ts';
import { parseXmlTree, type XmlElement } from './xml-tree.ts';

const NODE_FIELDS = ['payload', 'env', 'jobtype', 'timelimit', 'priority'] as const;
const EDGE_FIELDS = ['name', 'dirpath', 'datatype', 'datatag', 'comment'] as const;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface GraphmlReadOptions {
  /** Registered datatype names: when given, an edge naming any other datatype is an issue. */
  datatypes?: readonly string[];
}

/**
 * Reads a DAG template from GraphML. Missing vertex attributes take DAG_VERTEX_DEFAULTS, missing edge
 * attributes DAG_EDGE_DEFAULTS (a `<key>`'s `<default>` wins over both); an empty value counts as missing.
 * Values are trimmed. A missing `edgedefault` is read as directed. Throws ValidationError.
 */
export function parseDagGraphml(text: string, options: GraphmlReadOptions = {}): DagTemplate {
  const tree = parseXmlTree(text);
  if (!tree.ok) {
    const path =
      tree.line === undefined ? 'XML' : `line ${tree.line}${tree.column ? `, column ${tree.column}` : ''}`;
    throw invalid([
      { path, message: tree.wellFormed ? tree.message : `is not well-formed XML: ${tree.message}` },
    ]);
  }
  const issues: FieldIssue[] = [];
  const found = findGraph(tree.roots, issues);
  if (!found) throw invalid(issues);
  const keys = readKeys(found.root, issues);
  const nodes = new Map<string, XmlElement>();
  const vertices = readVertices(found.graph, keys, nodes, issues);
  const edges = readEdges(found.graph, keys, nodes, issues, options.datatypes);
  const cycle = findCycle({ vertices, edges });
  if (cycle) {
    const first = nodes.get(cycle[0] as string) as XmlElement;
    issues.push({
      path: where(first),
      message: `the graph has a cycle: ${cycle.join(' → ')} (a DAG must be acyclic)`,
    });
  }
  if (issues.length > 0) throw invalid(issues);
  return { vertices, edges };
}

function invalid(issues: FieldIssue[]): ValidationError {
  const first = issues[0] as FieldIssue;
  const more =
    issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return new ValidationError(`invalid GraphML DAG: ${first.path}: ${first.message}${more}`, issues);
}

function findGraph(
  roots: XmlElement[],
  issues: FieldIssue[],
): { root: XmlElement; graph: XmlElement } | undefined {
  const root = roots[0];
  if (!root) {
    issues.push({ path: 'line 1', message: 'holds no XML element' });
    return undefined;
  }
  if (root.name !== 'graphml') {
    issues.push({ path: where(root), message: 'is not GraphML: the root element must be <graphml>' });
    return undefined;
  }
  for (const extra of roots.slice(1)) {
    issues.push({ path: where(extra), message: 'is a second root element; an XML document has one' });
  }
  const graphs = root.children.filter((c) => c.name === 'graph');
  const graph = graphs[0];
  if (!graph) {
    issues.push({ path: where(root), message: 'holds no <graph>' });
    return undefined;
  }
  for (const extra of graphs.slice(1)) {
    issues.push({ path: where(extra), message: 'is a second <graph>; a DAG file holds one' });
  }
  const direction = graph.attrs.edgedefault;
  if (direction === 'undirected') {
    issues.push({ path: where(graph), message: 'is undirected: a DAG needs edgedefault="directed"' });
  } else if (direction !== undefined && direction !== 'directed') {
    issues.push({ path: where(graph), message: `has edgedefault="${direction}"; expected "directed"` });
  }
  for (const child of graph.children) {
    if (child.name === 'hyperedge') {
      issues.push({ path: where(child), message: 'hyperedges are not supported' });
    }
  }
  return { root, graph };
}

function readVertices(
  graph: XmlElement,
  keys: Map<string, KeyDecl>,
  nodes: Map<string, XmlElement>,
  issues: FieldIssue[],
): DagVertex[] {
  const vertices: DagVertex[] = [];
  const elements = graph.children.filter((c) => c.name === 'node');
  if (elements.length === 0) {
    issues.push({ path: where(graph), message: 'has no <node>: a DAG needs at least one vertex' });
  }
  if (elements.length > DAG_LIMITS.maxVertices) {
    issues.push({
      path: where(graph),
      message: `has ${elements.length} nodes; at most ${DAG_LIMITS.maxVertices}`,
    });
    return vertices;
  }
  for (const element of elements) {
    const name = element.attrs.id;
    if (name === undefined || name.trim() === '') {
      issues.push({ path: where(element), message: 'has no id (the vertex name)' });
      continue;
    }
    const first = nodes.get(name);
    if (first) {
      issues.push({ path: where(element), message: `repeats node id "${name}" (first ${lineRef(first)})` });
      continue;
    }
    nodes.set(name, element);
    if (name.length > DAG_LIMITS.vertexName) {
      issues.push({
        path: where(element),
        message: `id is ${name.length} characters long; at most ${DAG_LIMITS.vertexName}`,
      });
    }
    if (element.children.some((c) => c.name === 'graph')) {
      issues.push({ path: where(element), message: 'holds a nested <graph>, which is not supported' });
    }
    const f = readFields(element, 'node', NODE_FIELDS, keys, issues);
    const L = JOB_SPEC_LIMITS;
    const D = DAG_VERTEX_DEFAULTS;
    const text = (field: string, fallback: string, max: number) =>
      textValue(f.get(field), fallback, max, issues);
    const number = (field: string, min: number, max: number, fallback: number, unit?: string) => {
      const given = f.get(field);
      if (!given || given.text === '') return fallback;
      return integer(given.text, given.path, issues, { min, max, fallback, ...(unit ? { unit } : {}) });
    };
    vertices.push({
      name,
      payload: text('payload', D.payload, L.payloadLength) ?? '',
      env: envValue(f.get('env'), issues) ?? {},
      jobtype: text('jobtype', D.jobtype, L.jobtypeLength) ?? '',
      timelimit: number('timelimit', 0, L.maxTimelimit, D.timelimit, 'seconds') ?? 0,
      priority: number('priority', L.minPriority, L.maxPriority, D.priority) ?? 0,
    });
  }
  return vertices;
}

function readEdges(
  graph: XmlElement,
  keys: Map<string, KeyDecl>,
  nodes: Map<string, XmlElement>,
  issues: FieldIssue[],
  datatypes: readonly string[] | undefined,
): DagEdge[] {
  const edges: DagEdge[] = [];
  const elements = graph.children.filter((c) => c.name === 'edge');
  if (elements.length > DAG_LIMITS.maxEdges) {
    issues.push({
      path: where(graph),
      message: `has ${elements.length} edges; at most ${DAG_LIMITS.maxEdges}`,
    });
    return edges;
  }
  elements.forEach((element, index) => {
    const path = where(element);
    const { source, target, directed } = element.attrs;
    if (directed === 'false') {
      issues.push({ path, message: 'is undirected (directed="false"); DAG edges are directed' });
    }
    let endpointsKnown = true;
    for (const [role, vertex] of [
      ['source', source],
      ['target', target],
    ] as const) {
      if (vertex !== undefined && nodes.has(vertex)) continue;
      const message =
        vertex === undefined ? `has no ${role} attribute` : `${role} "${vertex}" is not a node of the graph`;
      issues.push({ path, message });
      endpointsKnown = false;
    }
    const f = readFields(element, 'edge', EDGE_FIELDS, keys, issues);
    const name = f.get('name');
    if (!name || name.text === '') {
      issues.push({
        path,
        message:
          'has no name: every edge needs a <data> for the key with attr.name="name" (file name or placeholder)',
      });
    }
    const datatag = f.get('datatag');
    if (datatag && datatag.text !== '' && !ENV_NAME.test(datatag.text)) {
      issues.push({
        path: datatag.path,
        message: `"${datatag.text}" is not a valid environment variable name (letters, digits and _, not starting with a digit)`,
      });
    }
    const datatype = f.get('datatype');
    if (datatypes && datatype && datatype.text !== '' && !datatypes.includes(datatype.text)) {
      issues.push({
        path: datatype.path,
        message: `"${datatype.text}" is not a registered datatype (registered: ${datatypes.join(', ') || 'none'}; add it with p3s datatype add)`,
      });
    }
    const D = DAG_EDGE_DEFAULTS;
    const edge: DagEdge = {
      index,
      source: source ?? '',
      target: target ?? '',
      name: textValue(name, '', DAG_LIMITS.fileName, issues) ?? '',
      dirpath: textValue(f.get('dirpath'), D.dirpath, DAG_LIMITS.dirpath, issues) ?? '',
      datatype: textValue(datatype, D.datatype, DAG_LIMITS.datatype, issues) ?? '',
      datatag: datatag?.text ?? D.datatag,
      comment: textValue(f.get('comment'), D.comment, DAG_LIMITS.comment, issues) ?? '',
    };
    // Edges with an unknown endpoint are reported above and kept out of the cycle check.
    if (endpointsKnown) edges.push(edge);
  });
  return edges;
}
