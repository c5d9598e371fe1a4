import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DagTemplate } from '../core/index.ts';
import { parseDagGraphml } from './graphml-reader.ts';
import { writeDagGraphml } from './graphml-writer.ts';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/p3s');

describe('writeDagGraphml', () => {
  it.each([
    '1filter/1filter.graphml',
    '1filter/1filter_fail.graphml',
    '3filters/3filters.graphml',
    '3filters/3filters_mod.graphml',
    'chain/twostep.graphml',
    'misc/wf1.graphml',
    'misc/wf2.graphml',
    'misc/wfmulti1.graphml',
  ])('round-trips %s', (path) => {
    const dag = parseDagGraphml(readFileSync(join(FIXTURES, path), 'utf8'));
    expect(parseDagGraphml(writeDagGraphml(dag))).toEqual(dag);
  });

  it('round-trips characters XML escapes or normalises', () => {
    const dag: DagTemplate = {
      vertices: [
        {
          name: 'a "quoted" <&> name',
          payload: 'sh -c \'x > y && echo "<ok>"\'\nsecond line\r\nthird\ttab',
          env: { A: 'x"y', B: '<&>', C: 'line\nbreak' },
          jobtype: 'jt',
          timelimit: 5,
          priority: -3,
        },
        {
          name: 'tab\tand\nnewline',
          payload: ']]> inside',
          env: {},
          jobtype: 'noop',
          timelimit: 0,
          priority: 0,
        },
      ],
      edges: [
        {
          index: 0,
          source: 'a "quoted" <&> name',
          target: 'tab\tand\nnewline',
          name: 'f & g.txt',
          dirpath: '/d',
          datatype: 'TXT',
          datatag: 'F',
          comment: "it's <b>",
        },
      ],
    };
    expect(parseDagGraphml(writeDagGraphml(dag))).toEqual(dag);
  });

  it('declares typed keys named like the P3S attributes', () => {
    const text = writeDagGraphml({
      vertices: [{ name: 'a', payload: 'x', env: {}, jobtype: 'j', timelimit: 1, priority: 0 }],
      edges: [],
    });
    expect(text).toContain('<key id="timelimit" for="node" attr.name="timelimit" attr.type="int"/>');
    expect(text).toContain('<key id="name" for="edge" attr.name="name" attr.type="string"/>');
    expect(text).toContain('<data key="env">{}</data>');
    expect(text).toContain('<graph edgedefault="directed">');
  });
});
