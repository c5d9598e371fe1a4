import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { P3S_VERSION } from '../../src/core/version.ts';

it('P3S_VERSION equals the package version', () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'));
  expect(P3S_VERSION).toBe(pkg.version);
});
