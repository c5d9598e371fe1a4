// `p3s dataset register|list|show`: data files — the files of workflows and files registered on
// their own (P3S dataset.py -r/-G).

import { type Command, Option } from '@commander-js/extra-typings';
import type { DatasetListQuery, DatasetWire, RegisterDatasetBody } from '../../protocol/schemas/workflows.ts';
import { idArg, intArg } from '../args.ts';
import { CliError } from '../errors.ts';
import { readJsonArgument } from '../info-input.ts';
import { formatShortTime, formatTime, type Output, truncate } from '../output.ts';
import { connect, output, withClientOptions } from './common.ts';
import { printFields } from './sections.ts';

const FIELDS = ['name', 'dirpath', 'datatype', 'state', 'comment'] as const;

export function addDatasetCommands(program: Command): void {
  const dataset = program
    .command('dataset')
    .description('data files: of workflows, or registered on their own');

  withClientOptions(
    dataset
      .command('register')
      .description('register a data file (P3S dataset JSON, or flags)')
      .argument(
        '[json]',
        'a JSON file or the JSON itself: {"name", "dirpath", "datatype", "state", "comment"}',
      )
      .addOption(new Option('--name <name>', 'file name'))
      .addOption(new Option('--dirpath <dir>', 'directory (default: $P3S_DIRPATH when set)'))
      .addOption(new Option('--datatype <type>', 'a registered datatype'))
      .addOption(new Option('--state <state>', 'state to record (default: defined)'))
      .addOption(new Option('--comment <text>', 'a comment')),
  ).action(async (arg, opts) => {
    const out = output(opts);
    const body = registerBody(arg === undefined ? {} : readJsonArgument(arg, 'dataset'), opts);
    const { dataset: stored } = await connect(opts).client.registerDataset(body);
    if (out.json) return out.data({ dataset: stored });
    out.line(`registered dataset ${stored.id}: ${stored.path}`);
  });

  withClientOptions(
    dataset
      .command('list')
      .alias('ls')
      .description('list data files, newest first')
      .addOption(new Option('--workflow <id>', 'only the files of this workflow').argParser(idArg))
      .addOption(new Option('--name <name>', 'only files of this exact name'))
      .addOption(new Option('--datatype <type>', 'only files of this datatype'))
      .addOption(new Option('--state <state>', 'only files in this state'))
      .addOption(new Option('--limit <n>', 'show at most n (1-1000)').argParser(intArg(1, 1000)).default(50))
      .addOption(new Option('--offset <n>', 'skip the first n').argParser(intArg(0)).default(0)),
  ).action(async (opts) => {
    const out = output(opts);
    const query: DatasetListQuery = {
      workflow: opts.workflow,
      name: opts.name,
      datatype: opts.datatype,
      state: opts.state,
      limit: opts.limit,
      offset: opts.offset,
    };
    const page = await connect(opts).client.listDatasets(query);
    if (out.json) return out.data(page);
    if (page.datasets.length === 0) return out.line('no datasets');
    printDatasetTable(out, page.datasets);
    const last = page.offset + page.datasets.length;
    if (page.offset > 0 || last < page.total)
      out.line(out.dim(`${page.offset + 1}-${last} of ${page.total}`));
  });

  withClientOptions(
    dataset.command('show').description('show one data file').argument('<id>', 'dataset id', idArg),
  ).action(async (id, opts) => {
    const out = output(opts);
    const { dataset: d } = await connect(opts).client.getDataset(id);
    if (out.json) return out.data({ dataset: d });
    out.line(`dataset ${d.id}  ${d.path}`);
    printFields(out, [
      ['uuid', d.uuid],
      ['name', d.name],
      ['dirpath', d.dirpath],
      ['datatype', d.datatype],
      ['datatag', d.datatag ? `$${d.datatag}` : ''],
      ['state', d.state],
      ['comment', d.comment],
      ['user', d.user],
      ['workflow', d.workflowId],
      ['edge', d.edgeIndex === null ? null : `#${d.edgeIndex} ${d.source} → ${d.target}`],
      ['produced by', d.sourceJobId === null ? null : `job ${d.sourceJobId} (${d.source})`],
      ['read by', d.targetJobId === null ? null : `job ${d.targetJobId} (${d.target})`],
      ['registered', formatTime(d.createdAt)],
      ['updated', formatTime(d.updatedAt)],
    ]);
  });
}

/** The register body from JSON and flags (flags win); P3S's $P3S_DIRPATH is the default dirpath. */
export function registerBody(
  json: unknown,
  flags: Partial<Record<(typeof FIELDS)[number], string>>,
): RegisterDatasetBody {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CliError('dataset JSON must be an object such as {"name": "run42.root", "dirpath": "/data"}');
  }
  const body: Record<string, unknown> = { ...json };
  for (const field of FIELDS) if (flags[field] !== undefined) body[field] = flags[field];
  if (body.dirpath === undefined && process.env.P3S_DIRPATH) body.dirpath = process.env.P3S_DIRPATH;
  if (typeof body.name !== 'string' || body.name === '') {
    throw new CliError('a dataset needs a name: give --name or "name" in the JSON', { exitCode: 2 });
  }
  return body as RegisterDatasetBody;
}

export function printDatasetTable(out: Output, datasets: DatasetWire[]): void {
  const now = Date.now();
  out.table(
    ['ID', 'PATH', 'TYPE', 'STATE', 'WORKFLOW', 'EDGE', 'REGISTERED'],
    datasets.map((d) => [
      d.id,
      truncate(d.path, 60),
      d.datatype,
      d.state,
      d.workflowId ?? '',
      d.edgeIndex === null ? '' : `${d.source} → ${d.target}`,
      formatShortTime(d.createdAt, now),
    ]),
    { alignRight: [0] },
  );
}
