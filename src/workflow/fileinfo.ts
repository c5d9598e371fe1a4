// fileinfo: how the files (edges) of a new workflow are named. P3S forms: '' (automatic unique
// names), 'sticky', 'inherit:PREFIX', or a JSON object of per-edge overrides keyed "SOURCE:TARGET".

import { DAG_LIMITS, type DagEdge, type DagTemplate, describe, type FieldIssue } from '../core/index.ts';
import { objectInput, pointer } from './json-input.ts';

/** How a file gets its name before overrides. */
export type FileNaming =
  /** `<newId()><datatype ext>`; edges from one source with one datatag and datatype share the name. */
  | { kind: 'automatic' }
  /** The DAG edge's `name`. */
  | { kind: 'sticky' }
  /** `<prefix>:<dag name>:<edge source>:<datatag><ext>` (P3S's inherit naming). */
  | { kind: 'inherit'; prefix: string };

/** Values a fileinfo entry may set on a file; each is optional. */
export interface FileOverride {
  name?: string;
  dirpath?: string;
  comment?: string;
}

export interface FileInfo {
  naming: FileNaming;
  /** Overrides by edge index. */
  overrides: Map<number, FileOverride>;
}

const OVERRIDE_FIELDS = ['name', 'dirpath', 'comment'] as const;
const FORMS = '"", "sticky", "inherit:PREFIX" or a JSON object keyed "SOURCE:TARGET"';

/**
 * Reads fileinfo. In the JSON form, "SOURCE:TARGET" applies to every edge from SOURCE to TARGET and
 * "SOURCE:TARGET#N" to the N-th of them (1-based, in file order), which tells parallel edges apart;
 * a #N entry wins over the pair entry field by field. A pair entry may not set `name` when the pair
 * has several edges (they would share one file). Edges without an entry get automatic names.
 */
export function parseFileinfo(input: unknown, dag: DagTemplate, issues: FieldIssue[]): FileInfo {
  const info: FileInfo = { naming: { kind: 'automatic' }, overrides: new Map() };
  if (input === undefined || input === null) return info;
  if (typeof input === 'string') {
    const text = input.trim();
    if (text === '') return info;
    if (text === 'sticky') return { ...info, naming: { kind: 'sticky' } };
    if (text.startsWith('inherit:')) {
      const prefix = text.slice('inherit:'.length);
      if (prefix === '') {
        issues.push({ path: '/fileinfo', message: 'inherit needs a prefix: "inherit:PREFIX"' });
      }
      return { ...info, naming: { kind: 'inherit', prefix } };
    }
    if (!text.startsWith('{')) {
      issues.push({ path: '/fileinfo', message: `must be ${FORMS}, got ${describe(input)}` });
      return info;
    }
  }
  const entries = objectInput(input, '/fileinfo', issues, FORMS);
  if (!entries) return info;
  const addresses = edgeAddresses(dag);
  const pairLevel = new Map<number, FileOverride>();
  const edgeLevel = new Map<number, FileOverride>();
  for (const [key, value] of Object.entries(entries)) {
    const path = pointer('fileinfo', key);
    const target = addresses.get(key);
    if (target === undefined) {
      issues.push({
        path,
        message:
          'names no edge of the DAG: keys are "SOURCE:TARGET", or "SOURCE:TARGET#N" for the N-th parallel edge',
      });
      continue;
    }
    if (target === 'ambiguous') {
      issues.push({ path, message: 'matches edges of more than one vertex pair (vertex names contain ":")' });
      continue;
    }
    const override = readOverride(value, path, issues);
    if (!override) continue;
    if (target.pair && override.name !== undefined && target.edges.length > 1) {
      issues.push({
        path: `${path}/name`,
        message: `would give ${target.edges.length} parallel edges the same file; name them one by one with "${key}#1" … "${key}#${target.edges.length}"`,
      });
      continue;
    }
    for (const edge of target.edges) (target.pair ? pairLevel : edgeLevel).set(edge.index, override);
  }
  for (const edge of dag.edges) {
    const merged = { ...pairLevel.get(edge.index), ...edgeLevel.get(edge.index) };
    if (Object.keys(merged).length > 0) info.overrides.set(edge.index, merged);
  }
  return info;
}

function readOverride(value: unknown, path: string, issues: FieldIssue[]): FileOverride | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push({
      path,
      message: `must be an object with name, dirpath and/or comment, got ${describe(value)}`,
    });
    return undefined;
  }
  const before = issues.length;
  const unknown = Object.keys(value).filter((k) => !(OVERRIDE_FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    issues.push({
      path,
      message: `has unknown field(s) ${unknown.join(', ')} (allowed: ${OVERRIDE_FIELDS.join(', ')})`,
    });
  }
  const limits = { name: DAG_LIMITS.fileName, dirpath: DAG_LIMITS.dirpath, comment: DAG_LIMITS.comment };
  const override: FileOverride = {};
  for (const field of OVERRIDE_FIELDS) {
    const v = (value as Record<string, unknown>)[field];
    if (v === undefined) continue;
    if (typeof v !== 'string') {
      issues.push({ path: `${path}/${field}`, message: `must be a string, got ${describe(v)}` });
    } else if (field === 'name' && v.trim() === '') {
      issues.push({ path: `${path}/name`, message: 'must not be empty' });
    } else if (v.length > limits[field]) {
      issues.push({
        path: `${path}/${field}`,
        message: `is ${v.length} characters long; at most ${limits[field]}`,
      });
    } else {
      override[field] = v;
    }
  }
  return issues.length > before ? undefined : override;
}

type Address = { edges: DagEdge[]; pair: boolean } | 'ambiguous';

/** Every fileinfo key that names edges: "S:T" for a pair, "S:T#N" for one of its edges. */
function edgeAddresses(dag: DagTemplate): Map<string, Address> {
  const pairs = new Map<string, DagEdge[]>();
  for (const edge of dag.edges) {
    const id = JSON.stringify([edge.source, edge.target]);
    const list = pairs.get(id);
    if (list) list.push(edge);
    else pairs.set(id, [edge]);
  }
  const addresses = new Map<string, Address>();
  const add = (key: string, address: Address) => {
    addresses.set(key, addresses.has(key) ? 'ambiguous' : address);
  };
  for (const edges of pairs.values()) {
    const { source, target } = edges[0] as DagEdge;
    add(`${source}:${target}`, { edges, pair: true });
    for (const [i, edge] of edges.entries()) {
      add(`${source}:${target}#${i + 1}`, { edges: [edge], pair: false });
    }
  }
  return addresses;
}
