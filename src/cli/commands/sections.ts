// Text layout shared by the `show` commands of DAGs, datasets and workflows: aligned key/value
// lines and tables indented under a section heading.

import { type Output, renderTable } from '../output.ts';

/** Aligned `key  value` lines; empty values are left out. */
export function printFields(
  out: Output,
  fields: [string, string | number | null | undefined][],
  indent = '  ',
): void {
  const shown = fields.filter(([, v]) => v !== null && v !== undefined && v !== '');
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  for (const [key, value] of shown) out.line(`${indent}${key.padEnd(width)}  ${value}`);
}

/** A table indented by two spaces, to print under a section heading. */
export function indentedTable(
  out: Output,
  head: string[],
  rows: (string | number)[][],
  alignRight: number[] = [],
): string {
  return renderTable(head, rows, out.colors, { alignRight })
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
