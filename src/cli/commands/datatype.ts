// `p3s datatype add|list|delete`: the registry of file kinds (P3S dataset.py -R/-D).

import type { Command } from '@commander-js/extra-typings';
import { readJsonArgument } from '../info-input.ts';
import { truncate } from '../output.ts';
import { connect, output, withClientOptions } from './common.ts';

export function addDatatypeCommands(program: Command): void {
  const datatype = program.command('datatype').description('datatypes: the kinds of file DAG edges carry');

  withClientOptions(
    datatype
      .command('add')
      .description('add (or update) a datatype from P3S datatype JSON')
      .argument('<json>', 'a JSON file, or the JSON itself: {"name":"TXT","ext":".txt","comment":"…"}'),
  ).action(async (arg, opts) => {
    const out = output(opts);
    const value = readJsonArgument(arg, 'datatype');
    const { datatype: added, created } = await connect(opts).client.putDatatype(value);
    if (out.json) return out.data({ datatype: added, created });
    out.line(`${created ? 'added' : 'updated'} datatype ${added.name} (${added.ext || 'no extension'})`);
  });

  withClientOptions(datatype.command('list').alias('ls').description('list the datatypes')).action(
    async (opts) => {
      const out = output(opts);
      const { datatypes } = await connect(opts).client.listDatatypes();
      if (out.json) return out.data({ datatypes });
      if (datatypes.length === 0) return out.line('no datatypes (add one with: p3s datatype add JSON)');
      out.table(
        ['NAME', 'EXT', 'COMMENT'],
        datatypes.map((t) => [t.name, t.ext, truncate(t.comment, 60)]),
      );
    },
  );

  withClientOptions(
    datatype
      .command('delete')
      .alias('rm')
      .description('delete a datatype (refused while a DAG uses it)')
      .argument('<name>', 'datatype name'),
  ).action(async (name, opts) => {
    const out = output(opts);
    await connect(opts).client.deleteDatatype(name);
    if (out.json) out.data({ ok: true, name });
    else out.line(`deleted datatype ${name}`);
  });
}
