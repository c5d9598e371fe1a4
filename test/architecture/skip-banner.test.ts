// `npm test` on a machine without Chromium or Prometheus must say which tests it skipped, before
// the run and after its summary, not pass quietly with less tested; the README says so too.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

it('names the browser and Prometheus tests it skips when their programs are missing', async () => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    P3S_CHROMIUM: '/nonexistent/chromium',
    P3S_PROMTOOL: '/nonexistent/promtool',
  };
  for (const name of ['CI', 'P3S_REQUIRE_CHROMIUM', 'P3S_REQUIRE_PROMETHEUS']) delete env[name];
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/architecture/version.test.ts'],
    { cwd: root, env },
  );
  const output = stdout + stderr;
  const banner = 'SKIPPED: the monitor in a real browser (test/web/monitor-browser.test.ts)';
  // Once before the tests and once after the summary.
  expect(output.split(banner)).toHaveLength(3);
  expect(output.lastIndexOf(banner)).toBeGreaterThan(output.indexOf('Tests'));
  expect(output).toContain('no Chromium (/nonexistent/chromium); to run them: apt-get install chromium');
  expect(output).toContain('SKIPPED: promtool check metrics and a real Prometheus scraping p3s');
}, 60_000);

it('says the same in the README', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  expect(readme).toMatch(/without Chromium[^.]*skip/i);
  expect(readme).toContain('SKIPPED');
});
