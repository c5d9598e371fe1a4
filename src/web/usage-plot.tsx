// The job page's memory and CPU plots: two small inline SVG line charts of the current attempt's
// samples (job_samples), drawn on the server like the DAG graph, each with a title and a
// description for screen readers and an empty state until the pilot has reported.

import type { JobSample } from '../core/index.ts';
import { formatDuration } from './format.ts';
import {
  cpuSeries,
  memorySeries,
  PLOT_BOX,
  type PlotGeometry,
  plotGeometry,
  type Series,
} from './usage-plot-geometry.ts';

/** Both plots for one attempt. */
export function UsagePlots({ samples, attempt }: { samples: readonly JobSample[]; attempt: number }) {
  return (
    <div class="usage-plots">
      <UsagePlot
        id="plot-memory"
        title={`Memory of attempt ${attempt} (MiB)`}
        unit="MiB"
        series={memorySeries(samples)}
      />
      <UsagePlot
        id="plot-cpu"
        title={`CPU of attempt ${attempt} (cores)`}
        unit="cores"
        series={cpuSeries(samples)}
      />
    </div>
  );
}

const number = (n: number) => (n >= 100 ? Math.round(n).toString() : (Math.round(n * 100) / 100).toString());

function describe(series: readonly Series[], unit: string, g: PlotGeometry): string {
  const parts = series.map((s) => {
    const values = s.points.map((p) => p.value);
    const last = values.at(-1) ?? 0;
    return `${s.label} ${number(last)} ${unit} now, at most ${number(Math.max(...values))} ${unit}`;
  });
  const points = series[0]?.points.length ?? 0;
  return `${points} samples over ${formatDuration(g.to - g.from)}: ${parts.join('; ')}.`;
}

function UsagePlot({
  id,
  title,
  unit,
  series,
}: {
  id: string;
  title: string;
  unit: string;
  series: Series[];
}) {
  const shown = series.filter((s) => s.points.length > 0);
  if (shown.length === 0)
    return (
      <figure class="usage-plot" id={id}>
        <figcaption>{title}</figcaption>
        <p class="muted plot-empty">no samples yet</p>
      </figure>
    );
  const g = plotGeometry(shown);
  const { width, height, left, right, top, bottom } = PLOT_BOX;
  const base = height - bottom;
  return (
    <figure class="usage-plot" id={id}>
      <figcaption>{title}</figcaption>
      <svg
        class="plot"
        viewBox={`0 0 ${width} ${height}`}
        width={width}
        height={height}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{describe(shown, unit, g)}</desc>
        <line class="axis" x1={left} y1={top} x2={left} y2={base} />
        <line class="axis" x1={left} y1={base} x2={width - right} y2={base} />
        <text class="tick" x={left - 4} y={top + 4} text-anchor="end">
          {number(g.yMax)}
        </text>
        <text class="tick" x={left - 4} y={base} text-anchor="end">
          0
        </text>
        <text class="tick" x={left} y={height - 6}>
          0 s
        </text>
        <text class="tick" x={width - right} y={height - 6} text-anchor="end">
          {formatDuration(g.to - g.from)}
        </text>
        {g.series.map((s) => (
          <g key={s.cls} class={`series ${s.cls}`} data-series={s.label}>
            <path d={s.d} />
            {s.points.length === 1 &&
              s.points.map((p) => <circle key={`${p.x}`} cx={p.x} cy={p.y} r={2.5} />)}
          </g>
        ))}
      </svg>
      {shown.length > 1 && (
        <p class="plot-legend">
          {shown.map((s) => (
            <span key={s.cls} class={`swatch ${s.cls}`}>
              {s.label}
            </span>
          ))}
        </p>
      )}
    </figure>
  );
}
