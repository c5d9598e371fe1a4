// The geometry of the job page's memory and CPU plots (usage-plot.tsx), pure so a table test can
// pin it: samples → series (MiB of RSS and PSS; cores as the CPU seconds' rate between samples),
// then series → points in the SVG's box, with the y axis topped at a round number.

import type { JobSample } from '../core/index.ts';

export interface Series {
  /** Legend text and the CSS class of the line. */
  label: string;
  cls: string;
  points: { at: number; value: number }[];
}

/** RSS in MiB, and PSS in MiB when any sample has it. */
export function memorySeries(samples: readonly JobSample[]): Series[] {
  const mib = (kb: number) => kb / 1024;
  const series: Series[] = [
    { label: 'RSS', cls: 'rss', points: samples.map((s) => ({ at: s.at, value: mib(s.rssKb) })) },
  ];
  const pss = samples.filter((s) => s.pssKb !== null);
  if (pss.length > 0)
    series.push({
      label: 'PSS',
      cls: 'pss',
      points: pss.map((s) => ({ at: s.at, value: mib(s.pssKb ?? 0) })),
    });
  return series;
}

/**
 * Cores in use: d(cpuSeconds)/dt between consecutive samples, drawn at the later one. A drop of
 * the counter (it should not happen within an attempt) counts as 0 rather than a negative load.
 */
export function cpuSeries(samples: readonly JobSample[]): Series[] {
  const points = samples.slice(1).flatMap((s, i) => {
    const prev = samples[i] as JobSample;
    const seconds = (s.at - prev.at) / 1000;
    if (seconds <= 0) return [];
    return [{ at: s.at, value: Math.max(0, s.cpuSeconds - prev.cpuSeconds) / seconds }];
  });
  return [{ label: 'CPU', cls: 'cpu', points }];
}

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above `max` (1 when there is nothing above 0). */
export function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * power >= max * (1 - 1e-9)) ?? 10;
  return step * power;
}

export interface Box {
  width: number;
  height: number;
  /** Room for the axis labels: left of the plot and below it. */
  left: number;
  bottom: number;
  top: number;
  right: number;
}

export const PLOT_BOX: Box = { width: 360, height: 150, left: 44, bottom: 22, top: 10, right: 10 };

export interface PlacedSeries {
  label: string;
  cls: string;
  points: { x: number; y: number }[];
  /** The SVG path through the points ("M x y L x y …"). */
  d: string;
}

export interface PlotGeometry {
  from: number;
  to: number;
  yMax: number;
  series: PlacedSeries[];
}

const round = (n: number) => Math.round(n * 10) / 10;

/** Places the series in `box`: time from the first to the last point left to right, 0…yMax bottom to top. */
export function plotGeometry(series: readonly Series[], box: Box = PLOT_BOX): PlotGeometry {
  const all = series.flatMap((s) => s.points);
  const from = Math.min(...all.map((p) => p.at));
  const to = Math.max(...all.map((p) => p.at));
  const yMax = niceCeiling(Math.max(0, ...all.map((p) => p.value)));
  const w = box.width - box.left - box.right;
  const h = box.height - box.top - box.bottom;
  // One instant only: the point sits in the middle rather than dividing by zero.
  const x = (at: number) => round(box.left + (to > from ? ((at - from) / (to - from)) * w : w / 2));
  const y = (value: number) => round(box.top + h - (value / yMax) * h);
  return {
    from,
    to,
    yMax,
    series: series.map((s) => {
      const points = s.points.map((p) => ({ x: x(p.at), y: y(p.value) }));
      const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x} ${p.y}`).join(' ');
      return { label: s.label, cls: s.cls, points, d };
    }),
  };
}
