// The options of an in-process pilot (runPilot) for tests against a real server: quick beats and
// claims, quiet logs, a fresh uuid; `extra` overrides any of them.

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { PilotOptions } from '../../src/pilot/options.ts';

export function testPilotOptions(
  server: { url: string; adminToken: string },
  root: string,
  extra: Partial<PilotOptions> = {},
): PilotOptions & { uuid: string } {
  return {
    server: server.url,
    token: server.adminToken,
    uuid: randomUUID(),
    site: null,
    jobTypes: [],
    cycles: 1,
    period: 1,
    beat: 0.2,
    workDir: join(root, 'work'),
    joblogDir: join(root, 'joblogs'),
    lifetime: 0,
    timefloor: 0,
    batchId: null,
    maxOutage: 10,
    killGrace: 0.5,
    minFreeBytes: 0,
    shell: false,
    logLevel: process.env.PILOT_LOG ?? 'silent',
    ...extra,
  };
}
