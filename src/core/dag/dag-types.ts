// The DAG template model read from GraphML: vertices are jobs, edges are files.
// A template is a value: treat it as immutable (dag-rules caches an index per template object).

import { JOB_SPEC_DEFAULTS, JOB_SPEC_LIMITS } from '../job-spec.ts';

/** The jobtype of a vertex that runs nothing: it completes as soon as all its parents finished. */
export const NOOP_JOBTYPE = 'noop';

/** One vertex of a DAG: the job to run (or `noop`), named by its GraphML node id. */
export interface DagVertex {
  name: string;
  /** Command to run; may be empty in the template (noop vertices, or jobinfo supplies it). */
  payload: string;
  env: Record<string, string>;
  jobtype: string;
  /** Seconds; 0 is allowed in a template (P3S noop vertices carry 0). */
  timelimit: number;
  priority: number;
}

/** One edge of a DAG: a file written by `source` and read by `target`. */
export interface DagEdge {
  /** 0-based position of the `<edge>` in the file; parallel edges are told apart by it. */
  index: number;
  source: string;
  target: string;
  /** File name (sticky naming) or a placeholder. */
  name: string;
  dirpath: string;
  /** Registered datatype name; '' = untyped file (no extension). */
  datatype: string;
  /** Environment variable that carries the file path to both endpoint jobs; '' = none. */
  datatag: string;
  comment: string;
}

/** A DAG template: vertices and edges in file order. */
export interface DagTemplate {
  vertices: DagVertex[];
  edges: DagEdge[];
}

/** Values used when a GraphML vertex omits an attribute (and its `<key>` has no `<default>`). */
export const DAG_VERTEX_DEFAULTS = {
  payload: '',
  jobtype: JOB_SPEC_DEFAULTS.jobtype,
  timelimit: JOB_SPEC_DEFAULTS.timelimit,
  priority: JOB_SPEC_DEFAULTS.priority,
} as const;

/** Values used when a GraphML edge omits an attribute; `name` has none (it is required). */
export const DAG_EDGE_DEFAULTS = { dirpath: '', datatype: '', datatag: '', comment: '' } as const;

export const DAG_LIMITS = {
  maxVertices: JOB_SPEC_LIMITS.maxJobsPerSubmission,
  maxEdges: 100_000,
  vertexName: JOB_SPEC_LIMITS.nameLength,
  fileName: 1024,
  dirpath: 4096,
  datatype: 64,
  comment: 4096,
} as const;

/** True for a vertex (or job) that runs nothing. */
export function isNoop(vertex: { jobtype: string }): boolean {
  return vertex.jobtype === NOOP_JOBTYPE;
}
