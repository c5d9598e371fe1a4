// The pilot and the API client time every interval on the monotonic clock (src/core/clock.ts):
// a reading of the wall clock there would let an NTP step stretch a time limit or skew a run
// time (test/e2e/timestamps.test.ts shows the behaviour; this keeps new code to the rule).

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = join(import.meta.dirname, '..', '..', 'src');

function wallClockReads(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(src, folder), { recursive: true, withFileTypes: true })) {
    const name = join(entry.parentPath, entry.name);
    if (!entry.isFile() || !/\.tsx?$/.test(name) || name.endsWith('.test.ts')) continue;
    const lines = readFileSync(name, 'utf8').split('\n');
    lines.forEach((line, i) => {
      // Also Date.now passed as a function (a default clock argument).
      if (/\bDate\.now\b|\bnew Date\b/.test(line))
        found.push(`${relative(src, name)}:${i + 1}: ${line.trim()}`);
    });
  }
  return found;
}

describe('the clock of intervals', () => {
  it.each(['pilot', 'protocol'])('src/%s reads no wall clock', (folder) => {
    expect(wallClockReads(folder)).toEqual([]);
  });
});
