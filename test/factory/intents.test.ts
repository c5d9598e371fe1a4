// A factory that stops between submitting pilots and recording them leaves no untracked pilot:
// each submission is an intent on disk first, and the next cycle records the batch jobs carrying
// the intent's tag (once), or drops an intent the batch system has nothing of. Real server, real
// `local` batch system (its pilots run /bin/true), the factory's cycle in process.

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchSystem } from '../../src/core/index.ts';
import { localAdapter } from '../../src/factory/batch/local.ts';
import { Factory } from '../../src/factory/factory.ts';
import { newTag, readIntents, writeIntent } from '../../src/factory/intents.ts';
import { FACTORY_DEFAULTS, type FactoryOptions } from '../../src/factory/options.ts';
import { pilotLaunch } from '../../src/factory/pilot-launch.ts';
import { workersApi } from '../../src/protocol/workers-client.ts';
import { type RealServer, startRealServer } from '../helpers/real-server.ts';

let server: RealServer;
let dir: string;
let options: FactoryOptions;
const SITE = 'here';
const adapter = () => localAdapter(join(dir, 'local'));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'p3s-intents-'));
  server = await startRealServer({ sqlitePath: join(dir, 'p3s.db') });
  await server.client.defineSite({
    name: SITE,
    provisioning: { batch: 'local', maxWorkers: 4, pilotCommand: '/bin/true' },
  });
  options = {
    server: server.url,
    dir: join(dir, 'factory'),
    intervalSeconds: 1,
    sites: [SITE],
    batchSystems: [],
    pilotServer: server.url,
    pilotCommand: '/bin/true',
    pilotCaFile: null,
    once: true,
    logLevel: 'silent',
    graceSeconds: FACTORY_DEFAULTS.graceSeconds,
  };
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What the factory did before it "stopped": the intent, then the submission, nothing recorded. */
async function submitThenStop(count: number): Promise<string[]> {
  const tag = newTag();
  writeIntent(options.dir, { tag, site: SITE, system: 'local', count, at: Date.now() });
  const { sites } = await server.client.listSites();
  const site = sites.find((s) => s.name === SITE) as Parameters<typeof pilotLaunch>[0];
  const logs = join(options.dir, 'logs', SITE);
  const scripts = join(options.dir, 'scripts');
  for (const d of [logs, scripts]) mkdirSync(d, { recursive: true });
  const outcome = await adapter().submit({
    site: SITE,
    count,
    launch: pilotLaunch(site, { ...options, caFile: null }),
    resources: site.provisioning.resources,
    submitLines: [],
    tokenFile: join(dir, 'no.token'),
    logDir: logs,
    scriptDir: scripts,
    tag,
  });
  expect(outcome.refused).toBeNull();
  return outcome.submitted.map((s) => s.batchId);
}

const cycle = () =>
  new Factory({
    client: server.client,
    adapters: new Map<BatchSystem, ReturnType<typeof adapter>>([['local', adapter()]]),
    options,
    logger: pino({ level: 'silent' }),
  }).cycle();

const recordedIds = async () =>
  (await workersApi(server.client).listWorkers({ site: SITE, limit: 1000 })).workers.map((w) => w.batchId);

describe('submission intents', () => {
  it('let the next cycle record the pilots a stopped factory submitted, once', async () => {
    const batchIds = await submitThenStop(2);
    expect(await recordedIds()).toEqual([]);
    const result = await cycle();
    expect(result.errors).toEqual([]);
    expect((await recordedIds()).sort()).toEqual([...batchIds].sort());
    expect(readIntents(options.dir, SITE)).toEqual([]);
    // The same intent, left again after its workers were recorded: nothing is recorded twice.
    const tag = newTag();
    writeIntent(options.dir, { tag, site: SITE, system: 'local', count: 2, at: Date.now() });
    await cycle();
    expect(await recordedIds()).toHaveLength(2);
  });

  it('drop an intent the batch system has nothing of', async () => {
    writeIntent(options.dir, { tag: newTag(), site: SITE, system: 'local', count: 3, at: Date.now() });
    const before = await recordedIds();
    await cycle();
    expect(await recordedIds()).toEqual(before);
    expect(readIntents(options.dir, SITE)).toEqual([]);
  });

  it('are written before a submission and gone once its workers are recorded', async () => {
    const job = { name: 'wants-a-pilot', payload: '/bin/true', site: SITE };
    await server.client.submitJobs([job]);
    const before = (await recordedIds()).length;
    const result = await cycle();
    expect(result.sites[0]?.submitted).toBe(1);
    expect(await recordedIds()).toHaveLength(before + 1);
    expect(readIntents(options.dir, SITE)).toEqual([]);
    expect(existsSync(join(options.dir, 'intents'))).toBe(true);
  });
});
