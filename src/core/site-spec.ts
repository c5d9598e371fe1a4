// Pure normalisation of site records as P3S operators wrote them (inputs/sites/*.json): numbers
// may be strings, `env` an object (or the text P3S stored), `server` informational. A field the
// site leaves out stays null, so a pilot falls back to its own default for it.

import type { FieldIssue } from './errors.ts';
import { describe, integer, parseEnv } from './job-spec.ts';
import { type Provisioning, parseProvisioning } from './provisioning.ts';

/** A site as stored: pilot defaults for the pilots started with `-s NAME`, and env for their payloads. */
export interface SiteSpec {
  name: string;
  /** Informational (P3S ignored it too): the server the site's pilots talk to. */
  server: string | null;
  /** Target number of pilots per host (`p3s pilots start --site NAME` tops up to it). */
  pilots: number | null;
  /** Claim cycles of the site's pilots; 0 = until stopped. */
  pilotcycles: number | null;
  /** Seconds one claim waits for a job. */
  pilotperiod: number | null;
  /** Heartbeat interval in seconds. */
  pilotbeat: number | null;
  /** Nominal pilot lifetime in seconds (informational, as in P3S). */
  pilotlife: number | null;
  /** Seconds a job asking for this site may wait `defined` before the server fails it (queue_timeout); null = no limit. */
  queuelimit: number | null;
  /** Variables every payload of the site's pilots gets (over the pilot's env, under the job's). */
  env: Record<string, string>;
  /** How the factory provisions the site's pilots through a batch system; null: it does not. */
  provisioning: Provisioning | null;
}

/** A stored site. */
export interface Site extends SiteSpec {
  createdAt: number;
  updatedAt: number;
  /** Set by `p3s site drain`: no new pilots; running ones finish their job and exit. */
  drained: { at: number; by: string } | null;
  /** Set by `p3s site resume`: worker failures before this time no longer stop the factory. */
  feedResetAt: number | null;
}

export const SITE_FIELDS = [
  'name',
  'server',
  'pilots',
  'pilotcycles',
  'pilotperiod',
  'pilotbeat',
  'pilotlife',
  'queuelimit',
  'env',
  'provisioning',
] as const;

export const SITE_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const SERVER_LENGTH = 255;
const ONE_YEAR = 31_536_000;

/** The numeric fields, their ranges (P3S: unsigned integers) and units. */
const NUMBERS = {
  pilots: { min: 0, max: 100_000 },
  pilotcycles: { min: 0, max: 1_000_000_000 },
  pilotperiod: { min: 0, max: 86_400, unit: 'seconds' },
  pilotbeat: { min: 1, max: 86_400, unit: 'seconds' },
  pilotlife: { min: 0, max: ONE_YEAR * 10, unit: 'seconds' },
  queuelimit: { min: 1, max: ONE_YEAR, unit: 'seconds' },
} as const;

export type SiteSpecResult = { ok: true; site: SiteSpec } | { ok: false; issues: FieldIssue[] };

/** Normalises one site object; `path` prefixes issue paths (e.g. `/site`). */
export function parseSiteSpec(input: unknown, path = ''): SiteSpecResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return {
      ok: false,
      issues: [{ path: path || '/', message: `must be a site object, got ${describe(input)}` }],
    };
  }
  const obj = input as Record<string, unknown>;
  const issues: FieldIssue[] = [];
  for (const key of Object.keys(obj)) {
    if (!(SITE_FIELDS as readonly string[]).includes(key))
      issues.push({ path: `${path}/${key}`, message: `unknown field (allowed: ${SITE_FIELDS.join(', ')})` });
  }
  const name = siteName(obj.name, `${path}/name`, issues);
  const server = optionalText(obj.server, `${path}/server`, issues);
  const numbers: Partial<Record<keyof typeof NUMBERS, number | null>> = {};
  for (const [key, rule] of Object.entries(NUMBERS) as [
    keyof typeof NUMBERS,
    (typeof NUMBERS)[keyof typeof NUMBERS],
  ][]) {
    const value = obj[key];
    numbers[key] =
      value === undefined || value === null
        ? null
        : (integer(value, `${path}/${key}`, issues, { ...rule, fallback: 0 }) ?? null);
  }
  const env = parseEnv(siteEnvValue(obj.env, `${path}/env`, issues), `${path}/env`, issues);
  const provisioning = parseProvisioning(obj.provisioning, `${path}/provisioning`, issues);
  if (issues.length > 0 || name === undefined || env === undefined || !provisioning.ok)
    return { ok: false, issues };
  return {
    ok: true,
    site: {
      name,
      server: server ?? null,
      pilots: numbers.pilots ?? null,
      pilotcycles: numbers.pilotcycles ?? null,
      pilotperiod: numbers.pilotperiod ?? null,
      pilotbeat: numbers.pilotbeat ?? null,
      pilotlife: numbers.pilotlife ?? null,
      queuelimit: numbers.queuelimit ?? null,
      env,
      provisioning: provisioning.value,
    },
  };
}

/** Checks a site name as used in `-s NAME`, URLs and job `site` fields. */
export function siteName(value: unknown, path: string, issues: FieldIssue[]): string | undefined {
  if (value === undefined) {
    issues.push({ path, message: 'is required' });
    return undefined;
  }
  if (typeof value !== 'string' || !SITE_NAME_PATTERN.test(value)) {
    issues.push({
      path,
      message: `must be 1-64 letters, digits or the characters _ . -, got ${describe(value)}`,
    });
    return undefined;
  }
  return value;
}

function optionalText(value: unknown, path: string, issues: FieldIssue[]): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > SERVER_LENGTH || value.includes('\0')) {
    issues.push({
      path,
      message: `must be a string of at most ${SERVER_LENGTH} characters, got ${describe(value)}`,
    });
    return undefined;
  }
  return value;
}

/**
 * `env` as an object, or as the text P3S stored (`str(dict)`, single quotes): parsed as JSON,
 * then with `'` read as `"` as P3S's pilot did. Anything else is passed on for parseEnv to name.
 */
function siteEnvValue(value: unknown, path: string, issues: FieldIssue[]): unknown {
  if (typeof value !== 'string') return value;
  for (const text of [value, value.replace(/'/g, '"')]) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed;
    } catch {
      // try the next reading
    }
  }
  issues.push({ path, message: 'must be an object of NAME: "value" strings (or its JSON text)' });
  return {};
}
