// Pure decision of the pilot's limit monitor: given what it measured of a payload, the job's
// requests and the pilot's settings, whether to kill it and why (memory, disk, looping).

/** What the pilot measured of a payload's process group and work directory. */
export interface LimitMeasurements {
  /** Memory of the group in KiB: the sum of PSS where the kernel reports it, else of RSS. */
  memoryKb: number;
  memorySource: 'pss' | 'rss';
  /** Bytes of disk the work directory holds (allocated blocks). */
  diskBytes: number;
  /** Now, when the group's CPU time last grew and when a file of its work dir or logs last changed (ms, one clock). */
  now: number;
  cpuChangedAt: number;
  filesChangedAt: number;
}

/** The limits of one attempt: the job's requests, else what the pilot offers. Null = no limit. */
export interface LimitRequest {
  memoryMiB: number | null;
  diskMiB: number | null;
}

export interface LimitConfig {
  /** Memory may reach the request times this factor before the group is killed. */
  memoryGrace: number;
  /** Seconds without CPU use and without a changed file before a payload counts as looping; 0 = never. */
  loopingAfter: number;
}

export type LimitBreach = 'memory_exceeded' | 'disk_exceeded' | 'looping';

export interface LimitVerdict {
  breach: LimitBreach;
  /** What was measured and the limit, for the job's diagnostic. */
  detail: string;
}

const mib = (kb: number) => (kb / 1024).toFixed(1);

/** The first limit the payload breaks (memory, then disk, then looping), or null. */
export function limitVerdict(m: LimitMeasurements, req: LimitRequest, cfg: LimitConfig): LimitVerdict | null {
  if (req.memoryMiB !== null) {
    const limitKb = req.memoryMiB * 1024 * cfg.memoryGrace;
    if (m.memoryKb > limitKb)
      return {
        breach: 'memory_exceeded',
        detail: `process group used ${mib(m.memoryKb)} MiB (${m.memorySource.toUpperCase()}), over its limit of ${mib(limitKb)} MiB (request ${req.memoryMiB} MiB × grace ${cfg.memoryGrace})`,
      };
  }
  if (req.diskMiB !== null && m.diskBytes > req.diskMiB * 1024 * 1024)
    return {
      breach: 'disk_exceeded',
      detail: `work directory holds ${mib(m.diskBytes / 1024)} MiB, over its disk request of ${req.diskMiB} MiB`,
    };
  if (cfg.loopingAfter > 0) {
    const idleMs = m.now - Math.max(m.cpuChangedAt, m.filesChangedAt);
    if (idleMs >= cfg.loopingAfter * 1000)
      return {
        breach: 'looping',
        detail: `no CPU used and no file in the work directory changed for ${Math.floor(idleMs / 1000)} s (limit ${cfg.loopingAfter} s)`,
      };
  }
  return null;
}
