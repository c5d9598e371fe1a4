// Summary statistics for benchmark samples: medians and percentiles, never means alone.

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

/**
 * The median of the ratios of paired samples (ours[i] / peer[i], each pair measured back to back),
 * so that the host's drift over a scenario does not favour whichever side ran in its faster part.
 */
export function pairedRatio(ours: readonly number[], peer: readonly number[]): number {
  if (ours.length !== peer.length) throw new Error(`unpaired samples: ${ours.length} against ${peer.length}`);
  return median(ours.map((value, i) => value / (peer[i] as number)));
}

/** Rounds for display without losing small values. */
export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Epoch milliseconds with sub-millisecond precision, comparable across processes. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
