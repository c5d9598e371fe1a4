// The DAG rules and rendering on real P3S fixtures read through the GraphML reader.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { childrenOf, parentsOf, sinks, sources } from '../core/index.ts';
import { renderDag } from './dag-render.ts';
import { parseDagGraphml } from './graphml-reader.ts';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/p3s');
const read = (path: string) => parseDagGraphml(readFileSync(join(FIXTURES, path), 'utf8'));

describe('DAG rules on fixtures', () => {
  it('keeps the parallel edges of wfmulti1 apart', () => {
    const dag = read('misc/wfmulti1.graphml');
    expect(sources(dag)).toEqual(['adc']);
    expect(sinks(dag)).toEqual(['adcViz', 'stats']);
    expect(childrenOf(dag, 'adc').map((e) => e.name)).toEqual(['mean.txt', 'rms.txt', 'summary.txt']);
    expect(parentsOf(dag, 'adcViz').map((e) => e.index)).toEqual([0, 1]);
  });

  it('renders a DAG as indented text, sources first', () => {
    expect(renderDag(read('3filters/3filters.graphml'))).toBe(
      [
        'NOOP1  noop  (source)',
        '  → filter1  input.txt  TXT  $INPTXT',
        '  → filter2  input.txt  TXT  $INPTXT',
        '  → filter3  input.txt  TXT  $INPTXT',
        'filter1  filter  grep -c TEST1 $INPTXT > $OUTTXT1',
        '  → NOOP2  output.txt  TXT  $OUTTXT1',
        'filter2  filter  grep -c TEST2 $INPTXT > $OUTTXT2',
        '  → NOOP2  output.txt  TXT  $OUTTXT2',
        'filter3  filter  grep -c TEST3 $INPTXT > $OUTTXT3',
        '  → NOOP2  output.txt  TXT  $OUTTXT3',
        'NOOP2  noop  (sink)',
        '',
      ].join('\n'),
    );
  });
});
