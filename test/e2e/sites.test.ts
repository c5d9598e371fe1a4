// Sites end to end: `p3s site define` takes P3S site files unchanged; a pilot started with -s
// takes the site's cycles, period and beat (its own flags win) and hands the site's env to every
// payload between its own env and the job's; `pilots start --site` tops up to the site's target.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { startP3s, waitFor } from '../helpers/processes.ts';

const SITES = join(import.meta.dirname, '..', 'fixtures', 'p3s', 'sites');

let c: Cluster;
beforeAll(async () => {
  c = await makeCluster();
});
afterAll(async () => {
  // Background pilots are detached from the test process: stop them through their records.
  await c?.cli(['pilots', 'stop', '--local']);
  await c?.close();
});

function tempFile(name: string, value: unknown): string {
  const path = join(c.dataDir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

async function submitOne(job: Record<string, unknown>): Promise<number> {
  const out = await c.json(['job', 'submit', tempFile(`job-${Date.now()}.json`, [job])]);
  return out.jobs[0].id;
}

const show = async (id: number) => (await c.json(['job', 'show', String(id)])).job;

/** The settings a pilot logged when it started (its log is JSON lines). */
function startSettings(output: string): { cycles: number; period: number; beat: number } {
  const line = output.split('\n').find((l) => l.includes('"pilot starting"'));
  if (!line) throw new Error(`no start line in: ${output}`);
  return JSON.parse(line);
}

describe('sites end to end', () => {
  it('defines the P3S site files unchanged and lists, shows and deletes them', async () => {
    for (const file of ['lxvm.json', 'template.json', 'test.json']) {
      const res = await c.cli(['site', 'define', join(SITES, file)]);
      expect(res.code, res.stderr).toBe(0);
    }
    const list = await c.json(['site', 'list']);
    expect(list.sites.map((s: { name: string }) => s.name)).toEqual(['lxvm', 'test']);
    const shown = await c.cli(['site', 'show', 'lxvm']);
    expect(shown.stdout).toContain('P3S_DIRPATH=/eos/experiment/neutplatform/protodune/np04tier0/p3s');
    expect((await c.cli(['site', 'show', 'lxvm', '-w', 'pilots'])).stdout.trim()).toBe('120');
    const bad = await c.cli(['site', 'define', '{"name":"x","pilotbeat":"often"}']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('pilotbeat: must be a whole number');
    expect((await c.cli(['site', 'delete', 'test'])).code).toBe(0);
    expect((await c.cli(['site', 'delete', 'test'])).code).toBe(1);
  });

  it("gives payloads the site's env between the pilot's env and the job's", async () => {
    await c.cli([
      'site',
      'define',
      tempFile('layers.json', {
        name: 'layers',
        env: { LAYER_A: 'site', LAYER_B: 'site', ONLY_SITE: 'from-site' },
      }),
    ]);
    const id = await submitOne({
      name: 'env-layers',
      payload: '/usr/bin/env',
      site: 'layers',
      env: { LAYER_B: 'job' },
    });
    const pilot = startP3s(['pilot', '-s', 'layers', '-c', '1', '-b', '0.5', '--log-level', 'warn'], {
      ...c.env,
      LAYER_A: 'pilot',
      LAYER_B: 'pilot',
      ONLY_PILOT: 'from-pilot',
    });
    expect(await pilot.exited).toBe(0);
    expect((await show(id)).state).toBe('finished');
    const out = (await c.cli(['job', 'logs', String(id)])).stdout;
    expect(out).toContain('LAYER_A=site\n');
    expect(out).toContain('LAYER_B=job\n');
    expect(out).toContain('ONLY_SITE=from-site\n');
    expect(out).toContain('ONLY_PILOT=from-pilot\n');
  });

  it('takes cycles, period and beat from the site, and an explicit flag wins', async () => {
    await c.cli([
      'site',
      'define',
      tempFile('knobs.json', { name: 'knobs', pilotcycles: '2', pilotperiod: '1', pilotbeat: '100' }),
    ]);
    // The site's 2 cycles of 1 s: the pilot ends by itself.
    const fromSite = c.startPilot(['-s', 'knobs', '--log-level', 'info']);
    expect(await fromSite.exited).toBe(0);
    expect(startSettings(fromSite.output())).toMatchObject({ cycles: 2, period: 1, beat: 100 });

    // -c and -b given: they win, the period still comes from the site.
    const explicit = c.startPilot(['-s', 'knobs', '-c', '1', '-b', '0.5', '--log-level', 'info']);
    expect(await explicit.exited).toBe(0);
    expect(startSettings(explicit.output())).toMatchObject({ cycles: 1, period: 1, beat: 0.5 });

    // The beat reaches the server: a claim leases the job for 3 beats (at least the 30 s default).
    const id = await submitOne({ name: 'slow', payload: 'sleep 3', site: 'knobs' });
    const pilot = c.startPilot(['-s', 'knobs', '-c', '1']);
    await waitFor('running', async () => (await show(id)).state === 'running');
    const running = await show(id);
    expect(running.leaseExpiresAt - running.dispatchedAt).toBeGreaterThanOrEqual(300_000);
    expect(await pilot.exited).toBe(0);
  });

  it('runs a job that asks for a site only on a pilot of that site', async () => {
    const id = await submitOne({ name: 'lxvm-only', payload: '/bin/true', site: 'lxvm' });
    const elsewhere = c.startPilot(['-c', '1', '-p', '1']);
    expect(await elsewhere.exited).toBe(0);
    expect((await show(id)).state).toBe('defined');
    const there = c.startPilot(['-s', 'lxvm', '-c', '1', '-p', '5', '-b', '0.5']);
    expect(await there.exited).toBe(0);
    expect(await show(id)).toMatchObject({ state: 'finished', ranAtSite: 'lxvm' });
  });

  it("tops background pilots up to the site's target on this host", async () => {
    await c.cli(['site', 'define', tempFile('pool.json', { name: 'pool', pilots: 2, pilotperiod: 1 })]);
    const first = await c.cli(['pilots', 'start', '--site', 'pool', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).pilots).toHaveLength(2);
    const again = await c.cli(['pilots', 'start', '--site', 'pool', '--json']);
    expect(JSON.parse(again.stdout).pilots).toHaveLength(0);
    expect(again.stderr).toContain('2 of 2 pilots already run on this host');
    const [one] = JSON.parse(first.stdout).pilots;
    expect((await c.cli(['pilots', 'stop', one.uuid])).code).toBe(0);
    const topUp = await c.cli(['pilots', 'start', '--site', 'pool', '--json']);
    expect(JSON.parse(topUp.stdout).pilots).toHaveLength(1);
    // -n still means exactly n; the background pilots keep -c 0 and take the site's period.
    const extra = await c.cli(['pilots', 'start', '--site', 'pool', '-n', '1', '--json']);
    expect(JSON.parse(extra.stdout).pilots).toHaveLength(1);
    const logFile = JSON.parse(extra.stdout).pilots[0].logFile;
    const log = await waitFor('the pilot logs its start', () => {
      const text = readFileSync(logFile, 'utf8');
      return text.includes('"pilot starting"') && text;
    });
    expect(startSettings(log)).toMatchObject({ cycles: 0, period: 1, beat: 5 });
    await waitFor('3 live pilots of the site', async () => {
      const list = await c.json(['pilots', 'list']);
      return list.pilots.filter((p: { site: string }) => p.site === 'pool').length === 3;
    });
    expect((await c.cli(['pilots', 'stop', '--local'])).code).toBe(0);
  });
});
