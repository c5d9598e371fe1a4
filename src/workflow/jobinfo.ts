// jobinfo: per-vertex changes to a new workflow's jobs, JSON keyed by vertex name, e.g.
// {"NOOP1": {"payload": "/bin/date"}, "filter": {"env": {"MODE": "fast"}, "priority": 5}}.

import type { DagTemplate } from '../core/index.ts';
import { describe, type FieldIssue, integer, JOB_SPEC_LIMITS, parseEnv } from '../core/index.ts';
import { objectInput, pointer } from './json-input.ts';

/** What jobinfo may change on one vertex's job; `env` is merged into the vertex env. */
export interface JobOverride {
  payload?: string;
  env?: Record<string, string>;
  priority?: number;
  timelimit?: number;
  jobtype?: string;
}

const FIELDS = ['payload', 'env', 'priority', 'timelimit', 'jobtype'];

/** Reads jobinfo (object or JSON text; ''/undefined = none); unknown vertices or fields are issues. */
export function parseJobinfo(
  input: unknown,
  dag: DagTemplate,
  issues: FieldIssue[],
): Map<string, JobOverride> {
  const overrides = new Map<string, JobOverride>();
  const empty = input === undefined || input === null || (typeof input === 'string' && input.trim() === '');
  if (empty) return overrides;
  const entries = objectInput(input, '/jobinfo', issues, 'a JSON object keyed by vertex name');
  if (!entries) return overrides;
  const vertices = new Set(dag.vertices.map((v) => v.name));
  const L = JOB_SPEC_LIMITS;
  for (const [vertex, value] of Object.entries(entries)) {
    const path = pointer('jobinfo', vertex);
    if (!vertices.has(vertex)) {
      const known = [...vertices].slice(0, 20).join(', ');
      issues.push({
        path,
        message: `is not a vertex of the DAG (vertices: ${known}${vertices.size > 20 ? ', …' : ''})`,
      });
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      issues.push({ path, message: `must be an object with ${FIELDS.join(', ')}, got ${describe(value)}` });
      continue;
    }
    const obj = value as Record<string, unknown>;
    const before = issues.length;
    for (const key of Object.keys(obj)) {
      if (!FIELDS.includes(key)) {
        issues.push({ path: `${path}/${key}`, message: `unknown field (allowed: ${FIELDS.join(', ')})` });
      }
    }
    const override: JobOverride = {};
    const payload = text(obj.payload, `${path}/payload`, L.payloadLength, issues, false);
    if (payload !== undefined) override.payload = payload;
    const jobtype = text(obj.jobtype, `${path}/jobtype`, L.jobtypeLength, issues, true);
    if (jobtype !== undefined) override.jobtype = jobtype;
    if (obj.env !== undefined) {
      const env = parseEnv(obj.env, `${path}/env`, issues);
      if (env) override.env = env;
    }
    if (obj.priority !== undefined) {
      const rule = { min: L.minPriority, max: L.maxPriority, fallback: 0 };
      override.priority = integer(obj.priority, `${path}/priority`, issues, rule);
    }
    if (obj.timelimit !== undefined) {
      const rule = { min: 0, max: L.maxTimelimit, fallback: 0, unit: 'seconds' };
      override.timelimit = integer(obj.timelimit, `${path}/timelimit`, issues, rule);
    }
    if (issues.length === before) overrides.set(vertex, override);
  }
  return overrides;
}

function text(
  value: unknown,
  path: string,
  max: number,
  issues: FieldIssue[],
  nonEmpty: boolean,
): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    issues.push({ path, message: `must be a string, got ${describe(value)}` });
  } else if (nonEmpty && value.trim() === '') {
    issues.push({ path, message: 'must not be empty' });
  } else if (value.length > max) {
    issues.push({ path, message: `is ${value.length} characters long; at most ${max}` });
  } else {
    return value;
  }
  return undefined;
}
