// Pilots of the `local` batch system each get a data dir of their own (P3S_HOME: their work and
// job log dirs), private to them and outside the factory's dir, which `p3s server --factory` keeps
// in the server's data dir. A stand-in for p3s prints where its data dir is.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseProvisioning } from '../../src/core/index.ts';
import { localAdapter } from '../../src/factory/batch/local.ts';
import { newTag } from '../../src/factory/intents.ts';
import { pilotLaunch } from '../../src/factory/pilot-launch.ts';
import { waitFor } from '../helpers/processes.ts';

const root = mkdtempSync(join(tmpdir(), 'p3s-local-homes-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('local pilots', () => {
  it('each get a private data dir of their own, outside the factory dir', async () => {
    const factoryDir = join(root, 'server-data', 'factory');
    const nodeTmp = join(root, 'node-tmp');
    for (const d of [factoryDir, nodeTmp]) mkdirSync(d, { recursive: true });
    const fake = join(root, 'fake-p3s');
    writeFileSync(fake, '#!/bin/sh\necho "home=$P3S_HOME"\n', { mode: 0o755 });
    const parsed = parseProvisioning({ batch: 'local', maxWorkers: 2 }, '', []);
    if (!parsed.ok || !parsed.value) throw new Error('fixture');
    const launch = pilotLaunch(
      { name: 'here', provisioning: parsed.value },
      { pilotServer: 'http://127.0.0.1:9', pilotCommand: fake, caFile: null },
    );
    const logs = join(factoryDir, 'logs');
    const scripts = join(factoryDir, 'scripts');
    for (const d of [logs, scripts]) mkdirSync(d, { recursive: true });
    const state = join(factoryDir, 'local');
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = nodeTmp;
    let submitted: { batchId: string; logPath: string | null }[];
    try {
      const outcome = await localAdapter(state).submit({
        site: 'here',
        count: 2,
        launch,
        resources: parsed.value.resources,
        submitLines: [],
        tokenFile: join(factoryDir, 'tokens', 'here.token'),
        logDir: logs,
        scriptDir: scripts,
        tag: newTag(),
      });
      submitted = outcome.submitted;
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    }
    expect(submitted).toHaveLength(2);
    const homes = await Promise.all(
      submitted.map(async ({ batchId, logPath }) => {
        const id = batchId.slice('local:'.length);
        await waitFor(`pilot ${id} ends`, () => existsSync(join(state, `${id}.exit`)), 10_000, 50);
        const home = /^home=(.*)$/m.exec(readFileSync(logPath as string, 'utf8'))?.[1] ?? '';
        expect(home).toBe(join(nodeTmp, `p3s-pilot-${id}`));
        expect(statSync(home).mode & 0o777).toBe(0o700);
        return home;
      }),
    );
    expect(new Set(homes).size).toBe(2);
    for (const home of homes) expect(home.startsWith(factoryDir)).toBe(false);
  });
});
