// docs/grafana/p3s-dashboard.json: a dashboard Grafana imports (a datasource input, unique panel
// ids), whose every query names only metrics a real server exposes, and (with promtool) whose
// every query is valid PromQL. A renamed or dropped metric fails here, not on an operator's wall.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { log, start, submit } from '../helpers/monitor-data.ts';
import { removeDir, tempDir } from '../helpers/processes.ts';
import { parseMetrics } from '../helpers/prometheus.ts';
import { prometheusCheck } from '../helpers/tools.ts';

const file = join(import.meta.dirname, '..', '..', 'docs', 'grafana', 'p3s-dashboard.json');
const dashboard = JSON.parse(readFileSync(file, 'utf8'));
type Panel = { id: number; type: string; title: string; targets?: { expr: string }[]; datasource?: unknown };
const panels: Panel[] = dashboard.panels;
const queries = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

let t: TestApp;
let exposed: Set<string>;
beforeAll(async () => {
  t = await makeTestApp();
  // Something to count: a running job with a log, a waiting one, a pilot.
  const [job] = await submit(t.app, [
    { name: 'a', payload: '/bin/x' },
    { name: 'b', payload: '/bin/x', site: 'x' },
  ]);
  const uuid = await start(t.app, job.id);
  await log(t.app, job.id, uuid, 0, 'hello\n');
  const res = await t.app.inject({ method: 'GET', url: '/metrics' });
  exposed = new Set(parseMetrics(res.body).map((s) => s.name));
});
afterAll(async () => {
  await t.close();
});

describe('the Grafana dashboard', () => {
  it('imports: a Prometheus datasource input, unique panel ids, every query on the chosen datasource', () => {
    expect(dashboard.__inputs).toEqual([
      expect.objectContaining({ type: 'datasource', pluginId: 'prometheus' }),
    ]);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    // Grafana's own variable syntax, not a template literal.
    const chosen = { type: 'prometheus', uid: ['$', '{datasource}'].join('') };
    for (const p of panels.filter((x) => x.type !== 'row')) expect(p.datasource, p.title).toEqual(chosen);
    expect(queries.length).toBeGreaterThan(20);
  });

  it('queries only metrics the server exposes', () => {
    const used = new Set(queries.flatMap((q) => q.match(/\b(?:p3s|process|nodejs)_[a-z0-9_]+/g) ?? []));
    expect(used.size).toBeGreaterThan(15);
    expect([...used].filter((name) => !exposed.has(name))).toEqual([]);
  });

  it.skipIf(!prometheusCheck().paths)('writes valid PromQL (promtool check rules)', () => {
    const [promtool] = prometheusCheck().paths as string[];
    const dir = tempDir('p3s-dashboard-');
    try {
      // Grafana's variables as Prometheus would see them once Grafana filled them in.
      const rules = queries.map(
        (expr, i) =>
          `      - record: p3s_dashboard:q${i}\n        expr: ${JSON.stringify(expr.replaceAll('$__rate_interval', '5m').replaceAll('$job', '.*'))}`,
      );
      writeFileSync(
        join(dir, 'rules.yml'),
        `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`,
      );
      const res = spawnSync(promtool as string, ['check', 'rules', join(dir, 'rules.yml')], {
        encoding: 'utf8',
      });
      expect(res.stdout + res.stderr).toContain(`SUCCESS: ${queries.length} rules found`);
      expect(res.status).toBe(0);
    } finally {
      removeDir(dir);
    }
  });
});
