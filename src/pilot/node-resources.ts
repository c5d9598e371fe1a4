// What a pilot offers its jobs: memory (MiB), cores and disk (MiB) as its flags give them, else as
// detected on the node. It advertises them at registration, and a job that asks for no memory or
// disk is held to them by the limit monitor.

import { availableParallelism, totalmem } from 'node:os';
import { freeBytes } from './disk-space.ts';
import type { LimitSettings } from './limit-watch.ts';
import { DEFAULT_MEMORY_GRACE, type PilotOptions } from './options.ts';

/** Memory and disk in MiB; 0 = could not be told. */
export interface PilotResources {
  memory: number;
  cores: number;
  disk: number;
}

const MIB = 1024 * 1024;

/** The flags' values, else the node's: its total memory, usable cores and the work dir's free space. */
export function pilotResources(
  options: Pick<PilotOptions, 'memoryMiB' | 'cores' | 'diskMiB' | 'workDir'>,
): PilotResources {
  return {
    memory: options.memoryMiB ?? Math.floor(totalmem() / MIB),
    cores: options.cores ?? availableParallelism(),
    disk: options.diskMiB ?? Math.floor((freeBytes(options.workDir) ?? 0) / MIB),
  };
}

/** The limits of one job: its own requests, else what the pilot offers (0 = unknown: no limit). */
export function jobLimits(
  job: { memory?: number; disk?: number },
  offered: PilotResources,
  options: Pick<PilotOptions, 'memoryGrace' | 'loopingAfter'>,
): LimitSettings {
  return {
    request: {
      memoryMiB: job.memory ?? (offered.memory || null),
      diskMiB: job.disk ?? (offered.disk || null),
    },
    config: {
      memoryGrace: options.memoryGrace ?? DEFAULT_MEMORY_GRACE,
      loopingAfter: options.loopingAfter ?? 0,
    },
  };
}
