// `npm run chaos [-- --only postgres,sqlite,kill]`: faults as an operator meets them, against a real
// `p3s server`, real pilots and a steady flow of jobs — PostgreSQL sessions terminated and the
// server restarted (-m fast, -m immediate) for longer than the lease, SQLite's disk filled and freed,
// a pilot killed with SIGKILL mid-job, a submission re-sent with its idempotency key — then counted
// from the payloads' own record. Prints a summary; exits 1 on any violation.

import { parseArgs } from 'node:util';
import { privatePostgresAvailable } from '../test/helpers/private-postgres.ts';
import { tmpfsAvailable } from '../test/helpers/tmpfs.ts';
import type { Verdict } from './lib/verdict.ts';
import { pilotKillScenario } from './scenarios/pilot-kill.ts';
import { postgresScenario } from './scenarios/postgres.ts';
import { sqliteFullScenario } from './scenarios/sqlite-full.ts';

const { values } = parseArgs({ options: { only: { type: 'string' } } });
const only = values.only?.split(',');
/** In CI a scenario that cannot run here is a failure, not a skip. */
const strict = Boolean(process.env.CI) || process.env.P3S_REQUIRE_CHAOS === '1';

const scenarios = [
  {
    name: 'postgres',
    can: privatePostgresAvailable,
    needs: 'PostgreSQL installed (initdb), and as root a postgres user',
    run: postgresScenario,
  },
  { name: 'sqlite', can: tmpfsAvailable, needs: 'root, to mount a tmpfs', run: sqliteFullScenario },
  { name: 'kill', can: () => true, needs: '', run: pilotKillScenario },
];

const log = (line: string) => process.stdout.write(`${line}\n`);
const verdicts: Verdict[] = [];
const problems: string[] = [];
const started = Date.now();
for (const scenario of scenarios) {
  if (only && !only.includes(scenario.name)) continue;
  if (!scenario.can()) {
    const line = `${scenario.name}: cannot run here (needs ${scenario.needs})`;
    if (strict) problems.push(line);
    log(`== ${line}${strict ? '' : ' — skipped'}`);
    continue;
  }
  log(`== ${scenario.name}`);
  const at = Date.now();
  try {
    verdicts.push(...(await scenario.run(log)));
  } catch (error) {
    problems.push(`${scenario.name}: ${(error as Error).stack ?? error}`);
  }
  log(`   (${((Date.now() - at) / 1000).toFixed(0)} s)`);
}

log('\nchaos summary');
const head = ['scenario', 'faults', 'accepted', 'finished', 'lost', 'failed', 'ran twice', '503s', 'server'];
const rows = verdicts.map((v) => [
  v.scenario,
  v.faults,
  v.accepted,
  v.finished,
  v.lost,
  v.failed,
  v.ranTwice,
  v.refused,
  v.serverSamePid ? 'same pid' : 'RESTARTED',
]);
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (cells: (string | number)[]) =>
  cells
    .map((c, i) => (i === 0 ? String(c).padEnd(widths[i] ?? 0) : String(c).padStart(widths[i] ?? 0)))
    .join('  ');
log(line(head));
for (const row of rows) log(line(row));
for (const v of verdicts) for (const note of v.notes) log(`  ${v.scenario}: ${note}`);
const sum = (key: 'faults' | 'accepted' | 'finished' | 'lost' | 'ranTwice') =>
  verdicts.reduce((total, v) => total + v[key], 0);
log(
  `total: faults injected ${sum('faults')}, jobs accepted ${sum('accepted')}, finished ${sum('finished')}, ` +
    `lost ${sum('lost')}, run twice ${sum('ranTwice')} (${((Date.now() - started) / 1000).toFixed(0)} s)`,
);
for (const v of verdicts) for (const violation of v.violations) problems.push(`${v.scenario}: ${violation}`);
if (problems.length > 0) {
  log(`\nFAILED: ${problems.length} violation${problems.length === 1 ? '' : 's'}`);
  for (const problem of problems) log(`  ${problem}`);
  process.exit(1);
}
log('OK: every accepted job finished once; the server never went down');
process.exit(0);
