// What the figures were measured on: machine, runtime, store and library versions.

import { readFileSync } from 'node:fs';
import { cpus, freemem, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import { P3S_VERSION } from '../../src/core/version.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function version(pkg: string): string {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return 'absent';
  }
}

export function describeEnvironment() {
  const cpu = cpus();
  return {
    p3s: P3S_VERSION,
    node: process.version,
    host: hostname(),
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    libraries: Object.fromEntries(
      ['fastify', 'kysely', 'better-sqlite3', 'pg', 'graphile-worker'].map((name) => [name, version(name)]),
    ),
  };
}
