// `engines` says which Node releases p3s is tested on, and every package the lockfile installs must
// accept the oldest of each: otherwise `npm ci` warns (EBADENGINE) or the package breaks there.
// CI runs the end-to-end tests on each line `engines` names (.ci/run, scripts/e2e-on-node.sh).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const range: string = pkg.engines.node;

/** The oldest version of each release line `engines` names: `^20.19.0 || ^22.12.0` → 20.19.0, 22.12.0. */
const oldest = range.split('||').map((part) => semver.minVersion(part.trim())?.version ?? part);

describe('Node releases', () => {
  it('engines names exactly the lines CI tests: 20 (from 20.19), 22 and 24', () => {
    expect(oldest.map((v) => semver.major(v))).toEqual([20, 22, 24]);
    expect(semver.satisfies('20.18.3', range)).toBe(false);
    const ci = readFileSync(join(root, '.ci', 'run'), 'utf8');
    for (const major of [22, 24]) expect(ci).toMatch(new RegExp(`e2e-on-node\\.sh ${major}\\b`));
  });

  it('this test runs on a Node that engines accepts', () => {
    expect(semver.satisfies(process.versions.node, range), process.versions.node).toBe(true);
  });

  it('every installed package accepts the oldest release of each line', () => {
    const refused: string[] = [];
    for (const [path, entry] of Object.entries<{ engines?: { node?: string } | string[]; dev?: boolean }>(
      lock.packages,
    )) {
      const wants = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (path === '' || wants === undefined) continue;
      for (const version of oldest) {
        if (!semver.satisfies(version, wants, { includePrerelease: true }))
          refused.push(`${path.replace(/^.*node_modules\//, '')} wants node ${wants}, not ${version}`);
      }
    }
    expect(refused).toEqual([]);
  });
});
