// Scenario: how long a `p3s` command takes as a whole process, beside `node -e 0` (Node's own
// start, the floor) in the same rounds: `p3s --version`, `p3s --help`, and `p3s job submit` of one
// job to a running server. The commands alternate within each round, their order rotating; each
// figure is the median wall time, each ratio the median of the per-round ratios to `node -e 0`.

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseEnv } from '../../test/helpers/processes.ts';
import { makeInstallation, type StoreKind } from '../lib/installation.ts';
import { median, pairedRatio, preciseNow } from '../lib/stats.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'p3s.js');
const WARMUP = 2;

function wallMs(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = preciseNow();
    const child = spawn(process.execPath, args, { env, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(preciseNow() - t0) : reject(new Error(`${args.join(' ')}: exit ${code}`)),
    );
  });
}

export async function cliStart(kind: StoreKind, rounds: number) {
  const inst = await makeInstallation(kind);
  try {
    const server = await inst.start();
    const env = baseEnv({ P3S_HOME: inst.dataDir, P3S_SERVER: server.url });
    const jobFile = join(inst.dataDir, 'one.json');
    writeFileSync(jobFile, JSON.stringify([{ name: 'cli-start', payload: '/bin/true' }]));
    const commands: Record<string, string[]> = {
      node: ['-e', '0'],
      version: [BIN, '--version'],
      help: [BIN, '--help'],
      submit: [BIN, 'job', 'submit', jobFile],
    };
    const names = Object.keys(commands);
    const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let round = 0; round < rounds + WARMUP; round++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + round) % names.length] as string;
        const ms = await wallMs(commands[name] as string[], env);
        if (round >= WARMUP) samples[name]?.push(ms);
      }
    }
    const node = samples.node ?? [];
    const row: Record<string, unknown> = { store: kind, rounds, node: process.version };
    for (const name of names) {
      row[`${name}Ms`] = median(samples[name] ?? []);
      if (name !== 'node') row[`${name}ToNode`] = pairedRatio(samples[name] ?? [], node);
    }
    return row;
  } finally {
    await inst.close();
  }
}
