// How a site's pilots are provisioned through a batch system: the optional `provisioning` object
// of a site record (P3S site files have none and stay valid). Pure normalisation with field paths
// in every issue, as for the rest of the site record. The factory reads it each cycle.

import type { FieldIssue } from './errors.ts';
import { describe, integer } from './job-spec.ts';

/** Batch systems with an adapter (src/factory/batch/); a kubernetes adapter would add its name here. */
export const BATCH_SYSTEMS = ['local', 'slurm', 'htcondor'] as const;
export type BatchSystem = (typeof BATCH_SYSTEMS)[number];

/** What to ask the batch system for, per pilot. Null: the batch system's default. */
export interface PilotResources {
  cores: number;
  memoryMb: number | null;
  /** Wall-time limit in seconds. */
  wallSeconds: number | null;
  /** Slurm partition or HTCondor-side queue name (ignored by `local`). */
  queue: string | null;
  /** Account to charge (Slurm `--account`, HTCondor `accounting_group`). */
  account: string | null;
}

export interface Provisioning {
  batch: BatchSystem;
  /** Most workers alive at once: waiting in the batch queue, held, or running (Harvester's maxWorkers). */
  maxWorkers: number;
  /** Most workers waiting in the batch queue, held ones included (Harvester's nQueueLimitWorker). */
  maxQueued: number;
  /** Most workers submitted in one factory cycle. */
  submitBatch: number;
  /** The pilot's `--lifetime` in seconds; null: the wall time (less a margin), else unlimited. */
  pilotLifetime: number | null;
  /** The pilot's `--timefloor` in seconds (no new job with less lifetime left). */
  pilotTimefloor: number;
  /** The pilot exits after this many seconds without a job (`--idle-exit`). */
  pilotIdle: number;
  /** More `p3s pilot` arguments, e.g. ["--beat", "10"]. */
  pilotArgs: string[];
  /** How to run p3s on the site's nodes (shell words); null: the command the factory itself runs. */
  pilotCommand: string | null;
  /** The pilots accept only these job types (and only jobs of these types count as demand); empty: any. */
  jobTypes: string[];
  /** Jobs that name no site count as this site's demand too (its pilots take them anyway). */
  siteless: boolean;
  resources: PilotResources;
  /** Lines added verbatim to the batch script (Slurm) or submit description (HTCondor). */
  submitLines: string[];
  /** Seconds a running worker may take to register its pilot before it is cancelled as `never_registered`. */
  startTimeout: number;
  /** After this many workers in a row failed at start, the site is no longer fed. */
  failureLimit: number;
  /** Seconds after the last start failure before one probe worker is tried; 0: wait for `p3s site resume`. */
  failureCooldown: number;
}

export const PROVISIONING_FIELDS = [
  'batch',
  'maxWorkers',
  'maxQueued',
  'submitBatch',
  'pilotLifetime',
  'pilotTimefloor',
  'pilotIdle',
  'pilotArgs',
  'pilotCommand',
  'jobTypes',
  'siteless',
  'resources',
  'submitLines',
  'startTimeout',
  'failureLimit',
  'failureCooldown',
] as const;

export const RESOURCE_FIELDS = ['cores', 'memoryMb', 'wallSeconds', 'queue', 'account'] as const;

const TEN_YEARS = 315_360_000;
const ONE_DAY = 86_400;
const LINE_LENGTH = 1000;
const MAX_LINES = 100;
const MAX_ARGS = 100;
/** A batch queue, account or job type: no spaces, quotes or shell syntax (they end up in scripts). */
const NAME = /^[A-Za-z0-9_.@:+-]{1,64}$/;

export const PROVISIONING_DEFAULTS = {
  submitBatch: 10,
  pilotTimefloor: 0,
  pilotIdle: 120,
  cores: 1,
  startTimeout: 600,
  failureLimit: 3,
  failureCooldown: 1800,
} as const;

type ProvisioningResult = { ok: true; value: Provisioning | null } | { ok: false };

/** Normalises `provisioning` (undefined or null: the site has none). Issues go to `issues`. */
export function parseProvisioning(input: unknown, path: string, issues: FieldIssue[]): ProvisioningResult {
  if (input === undefined || input === null) return { ok: true, value: null };
  if (typeof input !== 'object' || Array.isArray(input)) {
    issues.push({ path, message: `must be an object, got ${describe(input)}` });
    return { ok: false };
  }
  const obj = input as Record<string, unknown>;
  const before = issues.length;
  unknownFields(obj, PROVISIONING_FIELDS, path, issues);
  const batch = batchSystem(obj.batch, `${path}/batch`, issues);
  const count = (key: string, min: number, max: number, fallback: number, unit?: string) =>
    integer(obj[key], `${path}/${key}`, issues, { min, max, fallback, ...(unit ? { unit } : {}) });
  // Required: a site without a ceiling is how "pilots flooding the site" happens.
  if (obj.maxWorkers === undefined) issues.push({ path: `${path}/maxWorkers`, message: 'is required' });
  const maxWorkers = count('maxWorkers', 0, 100_000, 0);
  const maxQueued = count('maxQueued', 0, 100_000, maxWorkers ?? 0);
  const submitBatch = count('submitBatch', 1, 10_000, PROVISIONING_DEFAULTS.submitBatch);
  const pilotLifetime =
    obj.pilotLifetime === null || obj.pilotLifetime === undefined
      ? null
      : count('pilotLifetime', 1, TEN_YEARS, 0, 'seconds');
  const pilotTimefloor = count(
    'pilotTimefloor',
    0,
    TEN_YEARS,
    PROVISIONING_DEFAULTS.pilotTimefloor,
    'seconds',
  );
  const pilotIdle = count('pilotIdle', 1, ONE_DAY, PROVISIONING_DEFAULTS.pilotIdle, 'seconds');
  const startTimeout = count('startTimeout', 10, ONE_DAY, PROVISIONING_DEFAULTS.startTimeout, 'seconds');
  const failureLimit = count('failureLimit', 1, 1000, PROVISIONING_DEFAULTS.failureLimit);
  const failureCooldown = count(
    'failureCooldown',
    0,
    TEN_YEARS,
    PROVISIONING_DEFAULTS.failureCooldown,
    'seconds',
  );
  const pilotArgs = lines(obj.pilotArgs, `${path}/pilotArgs`, issues, MAX_ARGS);
  const submitLines = lines(obj.submitLines, `${path}/submitLines`, issues, MAX_LINES);
  const jobTypes = names(obj.jobTypes, `${path}/jobTypes`, issues);
  const pilotCommand = optionalLine(obj.pilotCommand, `${path}/pilotCommand`, issues);
  const siteless = flag(obj.siteless, `${path}/siteless`, issues);
  const resources = parseResources(obj.resources, `${path}/resources`, issues);
  if (issues.length > before || batch === undefined || resources === undefined) return { ok: false };
  return {
    ok: true,
    value: {
      batch,
      maxWorkers: maxWorkers as number,
      maxQueued: maxQueued as number,
      submitBatch: submitBatch as number,
      pilotLifetime: pilotLifetime ?? null,
      pilotTimefloor: pilotTimefloor as number,
      pilotIdle: pilotIdle as number,
      pilotArgs: pilotArgs ?? [],
      pilotCommand: pilotCommand ?? null,
      jobTypes: jobTypes ?? [],
      siteless: siteless ?? false,
      resources,
      submitLines: submitLines ?? [],
      startTimeout: startTimeout as number,
      failureLimit: failureLimit as number,
      failureCooldown: failureCooldown as number,
    },
  };
}

function parseResources(input: unknown, path: string, issues: FieldIssue[]): PilotResources | undefined {
  const obj = input === undefined || input === null ? {} : input;
  if (typeof obj !== 'object' || Array.isArray(obj)) {
    issues.push({ path, message: `must be an object, got ${describe(input)}` });
    return undefined;
  }
  const r = obj as Record<string, unknown>;
  const before = issues.length;
  unknownFields(r, RESOURCE_FIELDS, path, issues);
  const cores = integer(r.cores, `${path}/cores`, issues, { min: 1, max: 4096, fallback: 1 });
  const memoryMb =
    r.memoryMb === undefined || r.memoryMb === null
      ? null
      : integer(r.memoryMb, `${path}/memoryMb`, issues, { min: 1, max: 100_000_000, fallback: 0 });
  const wallSeconds =
    r.wallSeconds === undefined || r.wallSeconds === null
      ? null
      : integer(r.wallSeconds, `${path}/wallSeconds`, issues, {
          min: 60,
          max: TEN_YEARS,
          fallback: 0,
          unit: 'seconds',
        });
  const queue = optionalName(r.queue, `${path}/queue`, issues);
  const account = optionalName(r.account, `${path}/account`, issues);
  if (issues.length > before) return undefined;
  return {
    cores: cores as number,
    memoryMb: memoryMb ?? null,
    wallSeconds: wallSeconds ?? null,
    queue: queue ?? null,
    account: account ?? null,
  };
}

function unknownFields(
  obj: Record<string, unknown>,
  allowed: readonly string[],
  path: string,
  issues: FieldIssue[],
): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key))
      issues.push({ path: `${path}/${key}`, message: `unknown field (allowed: ${allowed.join(', ')})` });
  }
}

function batchSystem(value: unknown, path: string, issues: FieldIssue[]): BatchSystem | undefined {
  if (value === undefined) {
    issues.push({ path, message: `is required (one of ${BATCH_SYSTEMS.join(', ')})` });
    return undefined;
  }
  const found = BATCH_SYSTEMS.find((b) => b === value);
  if (found === undefined)
    issues.push({ path, message: `must be one of ${BATCH_SYSTEMS.join(', ')}, got ${describe(value)}` });
  return found;
}

/** One line of text: no newline (it would start another directive) and no NUL. */
function lineIssue(value: unknown): string | undefined {
  if (typeof value !== 'string') return `must be a string, got ${describe(value)}`;
  if (value.length > LINE_LENGTH) return `is ${value.length} characters long; at most ${LINE_LENGTH}`;
  if (/[\n\r\0]/.test(value)) return 'must be one line (no newline or NUL characters)';
  return undefined;
}

function lines(value: unknown, path: string, issues: FieldIssue[], max: number): string[] | undefined {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    issues.push({ path, message: `must be a list of strings, got ${describe(value)}` });
    return undefined;
  }
  if (value.length > max) {
    issues.push({ path, message: `has ${value.length} entries; at most ${max}` });
    return undefined;
  }
  const before = issues.length;
  value.forEach((item, i) => {
    const problem = lineIssue(item);
    if (problem) issues.push({ path: `${path}/${i}`, message: problem });
  });
  return issues.length > before ? undefined : (value as string[]);
}

function names(value: unknown, path: string, issues: FieldIssue[]): string[] | undefined {
  const list = lines(value, path, issues, 256);
  if (list === undefined) return undefined;
  const before = issues.length;
  list.forEach((item, i) => {
    if (!NAME.test(item))
      issues.push({
        path: `${path}/${i}`,
        message: `must be 1-64 letters, digits or _ . @ : + -, got ${describe(item)}`,
      });
  });
  return issues.length > before ? undefined : list;
}

function optionalLine(value: unknown, path: string, issues: FieldIssue[]): string | null | undefined {
  if (value === undefined || value === null) return null;
  const problem = lineIssue(value) ?? (String(value).trim() === '' ? 'must not be empty' : undefined);
  if (problem) {
    issues.push({ path, message: problem });
    return undefined;
  }
  return value as string;
}

function optionalName(value: unknown, path: string, issues: FieldIssue[]): string | null | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !NAME.test(value)) {
    issues.push({ path, message: `must be 1-64 letters, digits or _ . @ : + -, got ${describe(value)}` });
    return undefined;
  }
  return value;
}

function flag(value: unknown, path: string, issues: FieldIssue[]): boolean | undefined {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') {
    issues.push({ path, message: `must be true or false, got ${describe(value)}` });
    return undefined;
  }
  return value;
}

/** The pilot's lifetime: the configured one, else the wall time less a margin for the last report, else none. */
export function pilotLifetimeOf(p: Provisioning): number {
  if (p.pilotLifetime !== null) return p.pilotLifetime;
  if (p.resources.wallSeconds !== null) return Math.max(30, p.resources.wallSeconds - WALL_MARGIN_SECONDS);
  return 0;
}

/** Seconds of wall time kept back from the pilot's lifetime, so it reports its last job before the kill. */
export const WALL_MARGIN_SECONDS = 60;
