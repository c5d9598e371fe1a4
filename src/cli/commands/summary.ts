// `p3s summary`: job and pilot counts by state (P3S summary.py -P) and which server answered.

import type { Command } from '@commander-js/extra-typings';
import { JOB_STATES } from '../../core/job-state.ts';
import { PILOT_STATES } from '../../core/pilot-state.ts';
import type { Health } from '../../protocol/schemas/common.ts';
import { formatDuration } from '../output.ts';
import {
  caFileOption,
  connect,
  dataDirOption,
  jsonOption,
  output,
  serverOption,
  tokenOption,
} from './common.ts';

/** `12 total: 2 defined, 1 running` in `order`, zero counts left out, unknown states last. */
export function countsLine(
  counts: Record<string, number>,
  order: readonly string[],
  paint: (s: string) => string,
): string {
  const { total: given, ...byState } = counts;
  const total = given ?? Object.values(byState).reduce((a, b) => a + b, 0);
  const states = [...order, ...Object.keys(byState).filter((s) => !order.includes(s))];
  const parts = states.filter((s) => (byState[s] ?? 0) > 0).map((s) => `${byState[s]} ${paint(s)}`);
  return parts.length === 0 ? `${total} total` : `${total} total: ${parts.join(', ')}`;
}

export function addSummaryCommand(program: Command): void {
  program
    .command('summary')
    .description('count jobs and pilots by state')
    .addOption(serverOption())
    .addOption(tokenOption())
    .addOption(caFileOption())
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (opts) => {
      const out = output(opts);
      const { client, url } = connect(opts);
      const [summary, health] = await Promise.all([client.summary(), client.health().catch(() => undefined)]);
      if (out.json) return out.data({ server: url, health: health ?? null, ...summary });
      out.line(`server  ${url}${health ? `  ${describeHealth(health)}` : ''}`);
      out.line(`jobs    ${countsLine(summary.jobs, JOB_STATES, (s) => out.jobState(s))}`);
      out.line(`pilots  ${countsLine(summary.pilots, PILOT_STATES, (s) => out.pilotState(s))}`);
    });
}

function describeHealth(health: Health): string {
  return `(p3s ${health.version}, ${health.store}, up ${formatDuration(health.now - health.startedAt)})`;
}
