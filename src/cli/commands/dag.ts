// `p3s dag add|list|show|export|delete`: DAG templates from GraphML (P3S workflow.py -g/-G/-d -w dag).

import { readFileSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { type Command, Option } from '@commander-js/extra-typings';
import { ApiError } from '../../protocol/client.ts';
import type { DagDetailWire } from '../../protocol/schemas/workflows.ts';
import { CliError } from '../errors.ts';
import { formatShortTime, formatTime, type Output, truncate } from '../output.ts';
import { connect, output, withClientOptions } from './common.ts';
import { indentedTable } from './sections.ts';

export function addDagCommands(program: Command): void {
  const dag = program.command('dag').description('DAG templates (workflow graphs) from GraphML');

  withClientOptions(
    dag
      .command('add')
      .description('store a DAG template from a GraphML file')
      .argument(
        '<file>',
        'GraphML file (P3S keys: payload, env, jobtype, timelimit, priority; name, dirpath, …)',
      )
      .addOption(new Option('-n, --name <name>', "the DAG's name (default: the file name without extension)"))
      .addOption(new Option('-D, --description <text>', 'a description'))
      .addOption(
        new Option('--replace', 'overwrite a DAG of the same name (its workflows keep their own copy)'),
      ),
  ).action(async (file, opts) => {
    const out = output(opts);
    let graphml: string;
    try {
      graphml = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
    }
    const name = opts.name ?? basename(file, extname(file));
    const { client } = connect(opts);
    try {
      const { dag: info } = await client.addDag({
        name,
        graphml,
        ...(opts.description === undefined ? {} : { description: opts.description }),
        ...(opts.replace ? { replace: true } : {}),
      });
      if (out.json) return out.data({ dag: info });
      out.line(
        `${opts.replace ? 'stored (replacing any earlier one)' : 'stored'} DAG ${info.name}: ${info.vertices} vertices, ${info.edges} edges`,
      );
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'validation_failed' || error.details.length === 0)
        throw error;
      const refusedName = error.details.find((d) => d.path === '/body/name');
      if (refusedName) {
        // The name is ours to choose, unlike the GraphML: say which and how to give another.
        const from = opts.name === undefined ? ' (taken from the file name)' : '';
        const better = name
          .replace(/^[^A-Za-z0-9_]+/, '')
          .replace(/[^A-Za-z0-9_.-]+/g, '-')
          .slice(0, 64);
        throw new CliError(
          `the DAG name ${JSON.stringify(name)}${from} is not allowed: it ${refusedName.message}`,
          {
            exitCode: 2,
            lines: [`  choose one with --name${better ? `, e.g. --name ${better}` : ''}`],
          },
        );
      }
      const n = error.details.length;
      throw new CliError(`${file}: ${n} problem${n === 1 ? '' : 's'}, nothing was stored`, {
        details: error.details,
      });
    }
  });

  withClientOptions(dag.command('list').alias('ls').description('list the stored DAG templates')).action(
    async (opts) => {
      const out = output(opts);
      const { dags } = await connect(opts).client.listDags();
      if (out.json) return out.data({ dags });
      if (dags.length === 0) return out.line('no DAGs (add one with: p3s dag add FILE.graphml)');
      const now = Date.now();
      out.table(
        ['NAME', 'VERTICES', 'EDGES', 'WORKFLOWS', 'USER', 'UPDATED', 'DESCRIPTION'],
        dags.map((d) => [
          d.name,
          d.vertices,
          d.edges,
          d.workflows,
          d.user,
          formatShortTime(d.updatedAt, now),
          truncate(d.description, 40),
        ]),
        { alignRight: [1, 2, 3] },
      );
    },
  );

  withClientOptions(
    dag
      .command('show')
      .description('show a DAG: its vertices, edges and graph')
      .argument('<name>', 'DAG name'),
  ).action(async (name, opts) => {
    const out = output(opts);
    const detail = await connect(opts).client.getDag(name);
    if (out.json) out.data(detail);
    else printDag(out, detail);
  });

  withClientOptions(
    dag
      .command('export')
      .description('print the GraphML of a DAG (as it was added)')
      .argument('<name>', 'DAG name')
      .addOption(new Option('-o, --output <file>', 'write it to this file instead of stdout'))
      .addOption(new Option('--normalized', 'write every attribute explicitly under P3S key names')),
  ).action(async (name, opts) => {
    const out = output(opts);
    const exported = await connect(opts).client.exportDag(name, opts.normalized === true);
    if (out.json) return out.data(exported);
    if (opts.output === undefined) {
      out.stdout.write(exported.graphml);
      return;
    }
    writeFileSync(opts.output, exported.graphml);
    out.note(`wrote ${opts.output}`);
  });

  withClientOptions(
    dag
      .command('delete')
      .alias('rm')
      .description('delete a DAG template (refused while workflows use it)')
      .argument('<name>', 'DAG name')
      .addOption(new Option('--force', 'delete even while workflows made from it exist (they keep running)')),
  ).action(async (name, opts) => {
    const out = output(opts);
    await connect(opts).client.deleteDag(name, opts.force === true);
    if (out.json) out.data({ ok: true, name });
    else out.line(`deleted DAG ${name}`);
  });
}

function printDag(out: Output, { dag, vertices, edges, rendering }: DagDetailWire): void {
  out.line(`DAG ${dag.name}${dag.description ? `  ${dag.description}` : ''}`);
  out.line(
    `  ${dag.vertices} vertices, ${dag.edges} edges, ${dag.workflows} workflow${dag.workflows === 1 ? '' : 's'}; ` +
      `added by ${dag.user}, ${formatTime(dag.updatedAt)}`,
  );
  out.line('vertices');
  const vertexRows = vertices.map((v) => [
    v.name,
    v.jobtype,
    v.priority,
    v.timelimit,
    truncate(v.payload, 50),
    truncate(
      Object.entries(v.env)
        .map(([k, x]) => `${k}=${x}`)
        .join(' '),
      40,
    ),
  ]);
  out.line(indentedTable(out, ['NAME', 'TYPE', 'PRIO', 'LIMIT', 'PAYLOAD', 'ENV'], vertexRows, [2, 3]));
  if (edges.length > 0) {
    out.line('edges (files)');
    const edgeRows = edges.map((e) => [
      e.index,
      `${e.source} → ${e.target}`,
      truncate(e.name, 30),
      truncate(e.dirpath, 30),
      e.datatype,
      e.datatag,
    ]);
    out.line(indentedTable(out, ['#', 'EDGE', 'NAME', 'DIRPATH', 'TYPE', 'TAG'], edgeRows, [0]));
  }
  out.line('graph');
  for (const line of rendering.trimEnd().split('\n')) out.line(`  ${line}`);
}
