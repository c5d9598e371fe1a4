// Programs some tests drive that a developer's machine may lack: Debian's Chromium (the monitor in
// a browser) and Prometheus's promtool and server (the metrics). Missing, their tests skip, and
// `npm test` says so loudly (test/global-setup.ts) instead of passing quietly with less tested.
// CI installs them (.ci/run), and there (or with the tool's P3S_REQUIRE_… set) missing is a failure.

import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface ToolCheck {
  /** What is looked for, e.g. `Chromium (/usr/bin/chromium)`. */
  what: string;
  /** The executables' paths when all were found. */
  paths: string[] | undefined;
  /** Missing must fail the tests rather than skip them. */
  required: boolean;
  /** The tests that skip without it. */
  tests: string;
  /** How to get it. */
  install: string;
}

/** Whether the tests run: the tool is there, or it is required (and its absence will fail them). */
export const runs = (check: ToolCheck) => check.paths !== undefined || check.required;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `name` on PATH (or `override` when set), if it is an executable. */
export function findExecutable(name: string, override?: string): string | undefined {
  if (override) return executable(override) ? override : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, name);
    if (dir && executable(path)) return path;
  }
  return undefined;
}

export const CHROMIUM = process.env.P3S_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumCheck(): ToolCheck {
  return {
    what: `Chromium (${CHROMIUM})`,
    paths: executable(CHROMIUM) ? [CHROMIUM] : undefined,
    required: Boolean(process.env.CI) || process.env.P3S_REQUIRE_CHROMIUM === '1',
    tests: 'the monitor in a real browser (test/web/monitor-browser.test.ts)',
    install: 'apt-get install chromium, or set P3S_CHROMIUM to a Chromium binary',
  };
}

export function prometheusCheck(): ToolCheck {
  const promtool = findExecutable('promtool', process.env.P3S_PROMTOOL);
  const prometheus = findExecutable('prometheus', process.env.P3S_PROMETHEUS);
  return {
    what: 'Prometheus (promtool and prometheus on PATH)',
    paths: promtool && prometheus ? [promtool, prometheus] : undefined,
    required: Boolean(process.env.CI) || process.env.P3S_REQUIRE_PROMETHEUS === '1',
    tests: 'promtool check metrics and a real Prometheus scraping p3s (test/e2e/metrics-prometheus.test.ts)',
    install: "apt-get install prometheus (Debian's package has both)",
  };
}

/** The loud lines for every tool whose tests will skip; none when all run. */
export function skipBanner(checks: ToolCheck[]): string[] {
  const skipped = checks.filter((check) => !runs(check));
  if (skipped.length === 0) return [];
  const bar = '!'.repeat(78);
  return [
    bar,
    ...skipped.flatMap((check) => [
      `SKIPPED: ${check.tests}`,
      `  no ${check.what}; to run them: ${check.install}`,
    ]),
    'CI installs these and fails instead of skipping (.ci/run).',
    bar,
  ];
}
