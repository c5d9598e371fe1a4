// Pure normalisation of job descriptions as P3S users write them: a JSON list of
// objects whose numbers may be strings ("timeout": "100"). Every problem is reported
// with its field path; a list with any bad job is rejected whole by the caller.

import type { FieldIssue } from './errors.ts';
import type { JobSpec } from './types.ts';

export const JOB_SPEC_LIMITS = {
  maxJobsPerSubmission: 10_000,
  nameLength: 256,
  jobtypeLength: 64,
  payloadLength: 4096,
  siteLength: 64,
  envKeys: 512,
  envKeyLength: 256,
  envValueLength: 65_536,
  minPriority: -1_000_000,
  maxPriority: 1_000_000,
  /** Ten years: anything longer is a typo. */
  maxTimelimit: 315_360_000,
  /** Resource requests: 16 TiB of memory, 4096 cores, 1 PiB of disk. */
  maxMemoryMiB: 16 * 1024 * 1024,
  maxCores: 4096,
  maxDiskMiB: 1024 * 1024 * 1024,
} as const;

export const JOB_SPEC_DEFAULTS = {
  name: '',
  jobtype: 'default',
  priority: 0,
  timelimit: 1000,
  state: 'defined',
} as const;

/** The fields a job object may have. `timeout` is P3S's name for the time limit; `timelimit` is accepted too. */
export const JOB_SPEC_FIELDS = [
  'name',
  'timeout',
  'timelimit',
  'jobtype',
  'payload',
  'env',
  'priority',
  'state',
  'site',
  'memory',
  'cores',
  'disk',
];

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INTEGER_TEXT = /^\s*[-+]?\d+\s*$/;

export type JobSpecResult = { ok: true; specs: JobSpec[] } | { ok: false; issues: FieldIssue[] };

/** Normalises a list of job objects; `basePath` prefixes issue paths (e.g. `/jobs`). */
export function parseJobSpecs(input: unknown, basePath = ''): JobSpecResult {
  if (!Array.isArray(input)) {
    return {
      ok: false,
      issues: [{ path: basePath || '/', message: `must be a list of job objects, got ${describe(input)}` }],
    };
  }
  if (input.length === 0)
    return { ok: false, issues: [{ path: basePath || '/', message: 'must hold at least one job' }] };
  if (input.length > JOB_SPEC_LIMITS.maxJobsPerSubmission) {
    return {
      ok: false,
      issues: [
        {
          path: basePath || '/',
          message: `holds ${input.length} jobs; at most ${JOB_SPEC_LIMITS.maxJobsPerSubmission} per submission`,
        },
      ],
    };
  }
  const issues: FieldIssue[] = [];
  const specs: JobSpec[] = [];
  input.forEach((item, index) => {
    const spec = parseJobSpec(item, `${basePath}/${index}`, issues);
    if (spec) specs.push(spec);
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, specs };
}

/** Normalises one job object, pushing issues; returns undefined when it has any. */
export function parseJobSpec(item: unknown, path: string, issues: FieldIssue[]): JobSpec | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    issues.push({ path, message: `must be a job object, got ${describe(item)}` });
    return undefined;
  }
  const before = issues.length;
  const obj = item as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!JOB_SPEC_FIELDS.includes(key)) {
      issues.push({
        path: `${path}/${key}`,
        message: `unknown field (allowed: ${JOB_SPEC_FIELDS.join(', ')})`,
      });
    }
  }
  if ('timeout' in obj && 'timelimit' in obj) {
    issues.push({ path: `${path}/timelimit`, message: 'give either timeout or timelimit, not both' });
  }
  const L = JOB_SPEC_LIMITS;
  const name = text(obj.name, `${path}/name`, issues, {
    max: L.nameLength,
    fallback: JOB_SPEC_DEFAULTS.name,
  });
  const jobtype = text(obj.jobtype, `${path}/jobtype`, issues, {
    max: L.jobtypeLength,
    fallback: JOB_SPEC_DEFAULTS.jobtype,
    nonEmpty: true,
  });
  const payload = text(obj.payload, `${path}/payload`, issues, { max: L.payloadLength, nonEmpty: true });
  const site =
    obj.site === null
      ? null
      : text(obj.site, `${path}/site`, issues, { max: L.siteLength, fallback: null, nonEmpty: true });
  const limitKey = 'timelimit' in obj ? 'timelimit' : 'timeout';
  const timelimit = integer(obj[limitKey], `${path}/${limitKey}`, issues, {
    min: 1,
    max: L.maxTimelimit,
    unit: 'seconds',
    fallback: JOB_SPEC_DEFAULTS.timelimit,
  });
  const priority = integer(obj.priority, `${path}/priority`, issues, {
    min: L.minPriority,
    max: L.maxPriority,
    fallback: JOB_SPEC_DEFAULTS.priority,
  });
  const env = parseEnv(obj.env, `${path}/env`, issues);
  const resources = parseResources(obj, path, issues);
  let state: JobSpec['state'] = JOB_SPEC_DEFAULTS.state;
  if (obj.state !== undefined) {
    if (obj.state === 'defined' || obj.state === 'template') state = obj.state;
    else
      issues.push({
        path: `${path}/state`,
        message: `must be "defined" or "template", got ${describe(obj.state)}`,
      });
  }
  if (issues.length > before) return undefined;
  return {
    name: name as string,
    jobtype: jobtype as string,
    payload: payload as string,
    env: env ?? {},
    priority: priority as number,
    timelimit: timelimit as number,
    state,
    site: site ?? null,
    ...resources,
  };
}

/** The optional resource requests (`memory` and `disk` in MiB, `cores`): only those given are returned. */
function parseResources(
  obj: Record<string, unknown>,
  path: string,
  issues: FieldIssue[],
): Pick<JobSpec, 'memory' | 'cores' | 'disk'> {
  const L = JOB_SPEC_LIMITS;
  const rules = {
    memory: { max: L.maxMemoryMiB, unit: 'MiB' },
    cores: { max: L.maxCores, unit: 'cores' },
    disk: { max: L.maxDiskMiB, unit: 'MiB' },
  } as const;
  const out: Pick<JobSpec, 'memory' | 'cores' | 'disk'> = {};
  for (const [key, rule] of Object.entries(rules) as [
    keyof typeof rules,
    (typeof rules)[keyof typeof rules],
  ][]) {
    if (obj[key] === undefined || obj[key] === null) continue; // null: no request, as absent
    const n = integer(obj[key], `${path}/${key}`, issues, {
      min: 1,
      max: rule.max,
      unit: rule.unit,
      fallback: 0,
    });
    if (n !== undefined) out[key] = n;
  }
  return out;
}

/** Validates an env object: string keys usable as variable names, string values. */
export function parseEnv(
  value: unknown,
  path: string,
  issues: FieldIssue[],
): Record<string, string> | undefined {
  return parseEnvEntries(value, path, issues, false) as Record<string, string> | undefined;
}

/** Validates an env change set for `job adjust`: like parseEnv, and null removes a variable. */
/** The env after a patch from parseEnvPatch: a null value removes the variable. */
export function applyEnvPatch(
  env: Record<string, string>,
  patch: Record<string, string | null>,
): Record<string, string> {
  const patched: Record<string, string> = { ...env };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete patched[key];
    else patched[key] = value;
  }
  return patched;
}

export function parseEnvPatch(
  value: unknown,
  path: string,
  issues: FieldIssue[],
): Record<string, string | null> | undefined {
  return parseEnvEntries(value, path, issues, true);
}

function parseEnvEntries(
  value: unknown,
  path: string,
  issues: FieldIssue[],
  allowNull: boolean,
): Record<string, string | null> | undefined {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    issues.push({ path, message: `must be an object of NAME: "value" strings, got ${describe(value)}` });
    return undefined;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const L = JOB_SPEC_LIMITS;
  if (entries.length > L.envKeys) {
    issues.push({ path, message: `has ${entries.length} variables; at most ${L.envKeys}` });
    return undefined;
  }
  const env: Record<string, string | null> = {};
  const before = issues.length;
  for (const [key, v] of entries) {
    const at = `${path}/${key}`;
    if (!ENV_KEY.test(key) || key.length > L.envKeyLength) {
      issues.push({
        path: at,
        message:
          'is not a valid environment variable name (letters, digits and _, not starting with a digit)',
      });
    } else if (v === null && allowNull) {
      env[key] = null;
    } else if (typeof v !== 'string') {
      issues.push({ path: at, message: `must be a string, got ${describe(v)} (quote numbers: "1")` });
    } else if (v.length > L.envValueLength) {
      issues.push({ path: at, message: `is ${v.length} characters long; at most ${L.envValueLength}` });
    } else if (v.includes('\0')) {
      issues.push({ path: at, message: 'must not contain a NUL character' });
    } else {
      env[key] = v;
    }
  }
  return issues.length > before ? undefined : env;
}

interface TextRule {
  max: number;
  fallback?: string | null;
  nonEmpty?: boolean;
}

function text(value: unknown, path: string, issues: FieldIssue[], rule: TextRule): string | null | undefined {
  if (value === undefined) {
    if (rule.fallback !== undefined) return rule.fallback;
    issues.push({ path, message: 'is required' });
    return undefined;
  }
  if (typeof value !== 'string') {
    issues.push({ path, message: `must be a string, got ${describe(value)}` });
    return undefined;
  }
  if (rule.nonEmpty && value.trim() === '') {
    issues.push({ path, message: 'must not be empty' });
    return undefined;
  }
  if (value.length > rule.max) {
    issues.push({ path, message: `is ${value.length} characters long; at most ${rule.max}` });
    return undefined;
  }
  if (value.includes('\0')) {
    issues.push({ path, message: 'must not contain a NUL character' });
    return undefined;
  }
  return value;
}

interface IntegerRule {
  min: number;
  max: number;
  fallback: number;
  unit?: string;
}

/** Accepts an integer or a string holding one (P3S wrote `"priority": "1"`). */
export function integer(
  value: unknown,
  path: string,
  issues: FieldIssue[],
  rule: IntegerRule,
): number | undefined {
  if (value === undefined) return rule.fallback;
  let n: number | undefined;
  if (typeof value === 'number' && Number.isInteger(value)) n = value;
  else if (typeof value === 'string' && INTEGER_TEXT.test(value)) n = Number(value.trim());
  const unit = rule.unit ? ` ${rule.unit}` : '';
  if (n === undefined) {
    issues.push({
      path,
      message: `must be a whole number${rule.unit ? ` of ${rule.unit}` : ''}, got ${describe(value)}`,
    });
    return undefined;
  }
  if (n < rule.min || n > rule.max) {
    issues.push({ path, message: `must be between ${rule.min} and ${rule.max}${unit}, got ${n}` });
    return undefined;
  }
  return n;
}

/** A short description of a JSON value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
