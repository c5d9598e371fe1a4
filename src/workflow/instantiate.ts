// DAG template + fileinfo + jobinfo → the jobs and files of a new workflow. Pure: ids come from the
// caller's newId, datatypes from the caller's registry; the store persists the result.

import {
  type DagEdge,
  type DagTemplate,
  type FieldIssue,
  isNoop,
  type JobSpec,
  joinFilePath,
  ValidationError,
} from '../core/index.ts';
import type { Datatype } from './datatype.ts';
import { type FileNaming, parseFileinfo } from './fileinfo.ts';
import { parseJobinfo } from './jobinfo.ts';
import { pointer } from './json-input.ts';

export interface InstantiateOptions {
  /** '' or undefined (automatic names), 'sticky', 'inherit:PREFIX', or per-edge overrides (see parseFileinfo). */
  fileinfo?: unknown;
  /** Per-vertex overrides keyed by vertex name (see parseJobinfo); object or JSON text. */
  jobinfo?: unknown;
  /** The datatype registry; an edge's non-empty datatype must be in it. */
  datatypes: readonly Datatype[];
  /** A fresh unique id per call, used for automatic file names. */
  newId: () => string;
  /** The DAG's name; required by `inherit:` naming only. */
  dagName?: string;
  /**
   * The directory of every file whose fileinfo entry gives none, instead of the dirpath written
   * in the DAG (which names the machine it was written on, e.g. P3S's /afs/… paths).
   */
  dirpath?: string;
}

/** The job of one vertex, ready for the store (state and site are the store's to set). */
export type WorkflowJobSpec = Pick<
  JobSpec,
  'name' | 'jobtype' | 'payload' | 'env' | 'priority' | 'timelimit'
>;

export interface WorkflowJob {
  vertex: string;
  spec: WorkflowJobSpec;
}

/** The file of one edge. `path` = dirpath and name joined by one `/`. */
export interface WorkflowFile {
  edgeIndex: number;
  source: string;
  target: string;
  name: string;
  dirpath: string;
  path: string;
  datatype: string;
  datatag: string;
  comment: string;
}

export interface WorkflowInstance {
  /** In vertex file order. */
  jobs: WorkflowJob[];
  /** In edge file order. */
  files: WorkflowFile[];
}

/**
 * Builds a workflow's jobs and files. Each file's path is given to both endpoint jobs as
 * `env[datatag]` (no datatag, no variable), over the vertex env merged with jobinfo env. A running job
 * may not receive two different files under one datatag (a noop keeps the first: it runs nothing).
 * A job that runs needs a payload and a time limit ≥ 1 after jobinfo. Throws ValidationError.
 */
export function instantiateWorkflow(dag: DagTemplate, options: InstantiateOptions): WorkflowInstance {
  const issues: FieldIssue[] = [];
  const fileinfo = parseFileinfo(options.fileinfo, dag, issues);
  const jobinfo = parseJobinfo(options.jobinfo, dag, issues);
  if (fileinfo.naming.kind === 'inherit' && !options.dagName) {
    issues.push({ path: '/fileinfo', message: 'inherit naming needs the DAG name, and none was given' });
  }
  const files = makeFiles(dag, fileinfo.naming, fileinfo.overrides, options, issues);
  const touching = new Map<string, WorkflowFile[]>(dag.vertices.map((v) => [v.name, []]));
  for (const file of files) {
    touching.get(file.source)?.push(file);
    touching.get(file.target)?.push(file);
  }
  const jobs: WorkflowJob[] = [];
  for (const vertex of dag.vertices) {
    const o = jobinfo.get(vertex.name) ?? {};
    const spec: WorkflowJobSpec = {
      name: vertex.name,
      jobtype: o.jobtype ?? vertex.jobtype,
      payload: o.payload ?? vertex.payload,
      env: { ...vertex.env, ...o.env },
      priority: o.priority ?? vertex.priority,
      timelimit: o.timelimit ?? vertex.timelimit,
    };
    const path = pointer('vertices', vertex.name);
    const runs = !isNoop(spec);
    if (runs && spec.payload.trim() === '') {
      issues.push({
        path: `${path}/payload`,
        message: 'is empty: a job that runs needs a payload (in the GraphML or jobinfo)',
      });
    }
    if (runs && spec.timelimit < 1) {
      issues.push({
        path: `${path}/timelimit`,
        message: `is ${spec.timelimit}; a job that runs needs at least 1 second`,
      });
    }
    const given = new Map<string, WorkflowFile>();
    for (const file of touching.get(vertex.name) ?? []) {
      if (file.datatag === '') continue;
      const earlier = given.get(file.datatag);
      if (!earlier) given.set(file.datatag, file);
      else if (earlier.path !== file.path && runs) {
        issues.push({
          path: `${path}/env/${file.datatag}`,
          message:
            `would hold two different files: ${earlier.path} (${describeEdge(earlier)}) and ${file.path} ` +
            `(${describeEdge(file)}); give the edges different datatags`,
        });
      }
    }
    for (const [tag, file] of given) spec.env[tag] = file.path;
    jobs.push({ vertex: vertex.name, spec });
  }
  if (issues.length > 0) {
    const first = issues[0] as FieldIssue;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    throw new ValidationError(
      `cannot instantiate the workflow: ${first.path}: ${first.message}${more}`,
      issues,
    );
  }
  return { jobs, files };
}

function makeFiles(
  dag: DagTemplate,
  naming: FileNaming,
  overrides: ReturnType<typeof parseFileinfo>['overrides'],
  options: InstantiateOptions,
  issues: FieldIssue[],
): WorkflowFile[] {
  const types = new Map<string, Datatype>();
  for (const t of options.datatypes) if (!types.has(t.name)) types.set(t.name, t);
  // One automatic name per (source, datatag, datatype): a job writes one file per tag, read by all its children.
  const automatic = new Map<string, string>();
  const files: WorkflowFile[] = [];
  for (const edge of dag.edges) {
    let ext = '';
    if (edge.datatype !== '') {
      const type = types.get(edge.datatype);
      if (!type) {
        const known = [...types.keys()].join(', ') || 'none';
        issues.push({
          path: `/edges/${edge.index}`,
          message: `${describeEdge(edge)}: datatype "${edge.datatype}" is not registered (registered: ${known})`,
        });
        continue;
      }
      ext = type.ext;
    }
    const override = overrides.get(edge.index) ?? {};
    let name = override.name;
    if (name === undefined) {
      if (naming.kind === 'sticky') {
        name = edge.name;
      } else if (naming.kind === 'inherit') {
        name = `${naming.prefix}:${options.dagName}:${edge.source}:${edge.datatag}${ext}`;
      } else {
        const group =
          edge.datatag === '' ? `#${edge.index}` : JSON.stringify([edge.source, edge.datatag, edge.datatype]);
        name = automatic.get(group) ?? `${options.newId()}${ext}`;
        automatic.set(group, name);
      }
    }
    const dirpath = override.dirpath ?? options.dirpath ?? edge.dirpath;
    files.push({
      edgeIndex: edge.index,
      source: edge.source,
      target: edge.target,
      name,
      dirpath,
      path: joinFilePath(dirpath, name),
      datatype: edge.datatype,
      datatag: edge.datatag,
      comment: override.comment ?? edge.comment,
    });
  }
  return files;
}

function describeEdge(edge: Pick<DagEdge, 'source' | 'target' | 'name'>): string {
  return `edge ${edge.source} → ${edge.target} "${edge.name}"`;
}
