// `p3s site define|list|show|delete`: site records (P3S siteinfo.py -j/-s/-w/-d). A site gives
// the pilots started with `-s NAME` their cycles, period, beat, a per-host target and payload env.

import { type Command, Option } from '@commander-js/extra-typings';
import { SITE_FIELDS } from '../../core/site-spec.ts';
import { ApiError } from '../../protocol/client.ts';
import type { SiteWire } from '../../protocol/schemas/sites.ts';
import { workersApi } from '../../protocol/workers-client.ts';
import { CliError, Exit } from '../errors.ts';
import { loadJsonInput } from '../json-input.ts';
import { formatDuration, formatTime, type Output } from '../output.ts';
import { connect, output, withClientOptions } from './common.ts';

export function addSiteCommands(program: Command): void {
  const site = program.command('site').description('define, list, show, drain and delete sites');

  withClientOptions(
    site
      .command('define')
      .description('define a site from P3S site JSON (replaces the site of the same name)')
      .argument('[file]', 'site JSON file, - for stdin, or the JSON text itself')
      .addOption(new Option('-j, --json-in <file>', 'the site JSON file (P3S siteinfo.py -j); same as FILE')),
  ).action(async (file, opts) => {
    const out = output(opts);
    if (file !== undefined && opts.jsonIn !== undefined)
      throw new CliError('give the site file once: as FILE or with -j', { exitCode: 2 });
    const arg = file ?? opts.jsonIn;
    if (arg === undefined)
      throw new CliError('missing the site file (see p3s site define --help)', { exitCode: 2 });
    const input = await loadJsonInput(arg, 'a site JSON object');
    const { client } = connect(opts);
    let reply: Awaited<ReturnType<typeof client.defineSite>>;
    try {
      reply = await client.defineSite(input.value);
    } catch (error) {
      if (!(error instanceof ApiError) || error.details.length === 0) throw error;
      throw new CliError(`${input.source}: not a valid site, nothing was defined`, {
        details: error.details.map((d) => ({
          path: d.path.replace(/^(\/body)?\/site/, ''),
          message: d.message,
        })),
      });
    }
    if (out.json) return out.data(reply);
    out.line(`site ${reply.site.name} ${reply.created ? 'defined' : 'updated'}`);
  });

  withClientOptions(site.command('list').alias('ls').description('list the sites')).action(async (opts) => {
    const out = output(opts);
    const { client } = connect(opts);
    const { sites } = await client.listSites();
    if (out.json) return out.data({ sites });
    if (sites.length === 0) return out.line('no sites (define one with: p3s site define FILE.json)');
    const unset = (v: number | null) => (v === null ? '-' : v);
    out.table(
      ['NAME', 'PILOTS', 'CYCLES', 'PERIOD', 'BEAT', 'LIFE', 'ENV', 'SERVER', 'FED BY'],
      sites.map((s) => [
        s.name,
        unset(s.pilots),
        unset(s.pilotcycles),
        unset(s.pilotperiod),
        unset(s.pilotbeat),
        unset(s.pilotlife),
        Object.keys(s.env).length,
        s.server ?? '',
        s.provisioning ? `${s.provisioning.batch}${s.drained ? ' (drained)' : ''}` : '',
      ]),
      { alignRight: [1, 2, 3, 4, 5, 6] },
    );
  });

  withClientOptions(
    site
      .command('show')
      .description('show one site; -w FIELD prints one field (P3S siteinfo.py -s NAME -w FIELD)')
      .argument('<name>', 'site name')
      .addOption(new Option('-w, --field <field>', 'print only this field').choices(SITE_FIELDS)),
  ).action(async (name, opts) => {
    const out = output(opts);
    const { client } = connect(opts);
    const { site: s } = await client.getSite(name);
    if (opts.field !== undefined) {
      const value = s[opts.field];
      if (out.json) return out.data({ [opts.field]: value });
      return out.line(
        typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value ?? ''),
      );
    }
    if (out.json) return out.data({ site: s });
    printSite(out, s);
  });

  withClientOptions(
    site
      .command('drain')
      .description(
        'no new pilots for the site: its running pilots finish their job and exit, queued ones are removed',
      )
      .argument('<name>', 'site name'),
  ).action(async (name, opts) => {
    const out = output(opts);
    const { client } = connect(opts);
    const reply = await workersApi(client).drainSite(name);
    if (out.json) return out.data(reply);
    out.line(
      `site ${name}: drained; ${reply.pilotsStopping} pilot(s) stop after their current job, ${reply.workersToRemove} queued worker(s) will be removed`,
    );
  });

  withClientOptions(
    site
      .command('resume')
      .description('feed a drained site again, and forgive the worker failures that stopped the factory')
      .argument('<name>', 'site name'),
  ).action(async (name, opts) => {
    const out = output(opts);
    const { client } = connect(opts);
    const reply = await workersApi(client).resumeSite(name);
    if (out.json) return out.data(reply);
    out.line(`site ${name}: fed again`);
  });

  withClientOptions(
    site
      .command('delete')
      .alias('rm')
      .description('delete sites (pilots and jobs naming them are not touched)')
      .argument('<names...>', 'site names'),
  ).action(async (names, opts) => {
    const out = output(opts);
    const { client } = connect(opts);
    const results: { name: string; ok: boolean; error?: { code: string; message: string } }[] = [];
    for (const name of names) {
      try {
        await client.deleteSite(name);
        results.push({ name, ok: true });
        if (!out.json) out.line(`site ${name}: deleted`);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        results.push({ name, ok: false, error: { code: error.code, message: error.message } });
        out.note(`p3s: ${error.message}`);
      }
    }
    if (out.json) out.data({ results });
    if (results.some((r) => !r.ok)) throw new Exit(1);
  });
}

function printSite(out: Output, s: SiteWire): void {
  const seconds = (v: number | null, unset = '- (pilot default)') =>
    v === null ? unset : v < 60 ? `${v}s` : `${v}s (${formatDuration(v * 1000)})`;
  const plain = (v: number | null, unset: string) => (v === null ? unset : String(v));
  const rows: [string, string][] = [
    ['server', s.server ?? '-'],
    ['pilots', plain(s.pilots, '- (1 per host)')],
    ['pilotcycles', plain(s.pilotcycles, '- (pilot default)')],
    ['pilotperiod', seconds(s.pilotperiod)],
    ['pilotbeat', seconds(s.pilotbeat)],
    ['pilotlife', seconds(s.pilotlife, '-')],
    ['queuelimit', seconds(s.queuelimit, '- (jobs wait for ever)')],
    [
      'provisioning',
      s.provisioning
        ? `${s.provisioning.batch}, at most ${s.provisioning.maxWorkers} workers, ${s.provisioning.maxQueued} queued`
        : '- (not fed by the factory)',
    ],
    [
      'drained',
      s.drained ? `by ${s.drained.by} at ${formatTime(s.drained.at)} (p3s site resume ${s.name})` : 'no',
    ],
    ['defined', formatTime(s.createdAt)],
    ['updated', formatTime(s.updatedAt)],
  ];
  out.line(`site ${s.name}`);
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [key, value] of rows) out.line(`  ${key.padEnd(width)}  ${value}`);
  out.line('env');
  const env = Object.entries(s.env);
  if (env.length === 0) out.line(out.dim('  (none)'));
  for (const [key, value] of env) out.line(`  ${key}=${value}`);
  if (s.provisioning) out.line(`provisioning ${JSON.stringify(s.provisioning)}`);
}
