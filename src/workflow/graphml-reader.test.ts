import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FieldIssue, ValidationError } from '../core/index.ts';
import { parseDagGraphml } from './graphml-reader.ts';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/p3s');
const fixture = (path: string) => readFileSync(join(FIXTURES, path), 'utf8');

const KEYS =
  '<key id="p" for="node" attr.name="payload"/><key id="e" for="node" attr.name="env"/>' +
  '<key id="j" for="node" attr.name="jobtype"/><key id="t" for="node" attr.name="timelimit"/>' +
  '<key id="r" for="node" attr.name="priority"/><key id="n" for="edge" attr.name="name"/>' +
  '<key id="g" for="edge" attr.name="datatag"/>';

/** A GraphML document whose body starts on line 4 (body line k = file line k + 3). */
const graphml = (body: string, graph = '<graph edgedefault="directed">') =>
  `<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n${KEYS}\n${graph}\n${body}\n</graph>\n</graphml>\n`;

function issuesOf(text: string): FieldIssue[] {
  try {
    parseDagGraphml(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details;
  }
  throw new Error('expected a ValidationError');
}

describe('parseDagGraphml on the P3S fixtures', () => {
  it.each([
    ['1filter/1filter.graphml', 3, 2],
    ['1filter/1filter_fail.graphml', 3, 2],
    ['3filters/3filters.graphml', 5, 6],
    ['3filters/3filters_mod.graphml', 5, 6],
    ['chain/twostep.graphml', 4, 3],
    ['misc/wf1.graphml', 3, 2],
    ['misc/wf2.graphml', 4, 3],
    ['misc/wfmulti1.graphml', 3, 3],
  ])('reads %s (%i vertices, %i edges)', (path, vertices, edges) => {
    const dag = parseDagGraphml(fixture(path));
    expect(dag.vertices).toHaveLength(vertices);
    expect(dag.edges).toHaveLength(edges);
    expect(dag.edges.map((e) => e.index)).toEqual([...Array(edges).keys()]);
  });

  it('reads vertex and edge attributes of 3filters', () => {
    const dag = parseDagGraphml(fixture('3filters/3filters.graphml'));
    expect(dag.vertices[0]).toEqual({
      name: 'NOOP1',
      payload: '',
      env: {},
      jobtype: 'noop',
      timelimit: 0,
      priority: 0,
    });
    expect(dag.vertices[1]).toEqual({
      name: 'filter1',
      payload: 'grep -c TEST1 $INPTXT > $OUTTXT1',
      env: { P3S_EXECMODE: 'SHELL' },
      jobtype: 'filter',
      timelimit: 7777,
      priority: 4,
    });
    expect(dag.edges[3]).toEqual({
      index: 3,
      source: 'filter1',
      target: 'NOOP2',
      name: 'output.txt',
      dirpath: '/afs/cern.ch/user/m/mxp/',
      datatype: 'TXT',
      datatag: 'OUTTXT1',
      comment: 'Simulated output',
    });
  });

  it('matches keys by attr.name whatever their ids (3filters_mod = 3filters but for payloads)', () => {
    const plain = parseDagGraphml(fixture('3filters/3filters.graphml'));
    const mod = parseDagGraphml(fixture('3filters/3filters_mod.graphml'));
    expect(mod.edges).toEqual(plain.edges);
    expect(mod.vertices.map((v) => ({ ...v, payload: '' }))).toEqual(
      plain.vertices.map((v) => ({ ...v, payload: '' })),
    );
    expect(mod.vertices[1]?.payload).toBe('grep');
  });

  it('gives documented defaults to vertices without attributes (wf1)', () => {
    const dag = parseDagGraphml(fixture('misc/wf1.graphml'));
    expect(dag.vertices[0]).toEqual({
      name: 'adc',
      payload: '',
      env: {},
      jobtype: 'default',
      timelimit: 1000,
      priority: 0,
    });
    expect(dag.edges[0]).toEqual({
      index: 0,
      source: 'adc',
      target: 'adcViz',
      name: 'decomp',
      dirpath: '',
      datatype: '',
      datatag: '',
      comment: '',
    });
  });

  it('keeps parallel edges apart (wfmulti1) and ignores its unknown "key" attribute', () => {
    const dag = parseDagGraphml(fixture('misc/wfmulti1.graphml'));
    expect(dag.edges.map((e) => [e.source, e.target, e.name])).toEqual([
      ['adc', 'adcViz', 'mean.txt'],
      ['adc', 'adcViz', 'rms.txt'],
      ['adc', 'stats', 'summary.txt'],
    ]);
  });
});

describe('parseDagGraphml details', () => {
  it('applies <key> defaults and lets a node override them', () => {
    const text = graphml('<node id="a"/><node id="b"><data key="x">batch</data></node>').replace(
      KEYS,
      `${KEYS}<key id="x" for="node" attr.name="jobtype"><default>noop</default></key>`,
    );
    const dag = parseDagGraphml(text.replace('<key id="j" for="node" attr.name="jobtype"/>', ''));
    expect(dag.vertices.map((v) => v.jobtype)).toEqual(['noop', 'batch']);
  });

  it('never lets attributes named like other model fields overwrite them (P3S bug 36)', () => {
    const text = graphml(
      '<node id="a"><data key="id">evil</data><data key="nm">evil</data></node>' +
        '<node id="b"/><edge source="a" target="b"><data key="n">f</data><data key="s">zz</data></edge>',
    ).replace(
      KEYS,
      `${KEYS}<key id="id" for="node" attr.name="id"/><key id="nm" for="node" attr.name="name"/>` +
        '<key id="s" for="edge" attr.name="source"/>',
    );
    const dag = parseDagGraphml(text);
    expect(dag.vertices.map((v) => v.name)).toEqual(['a', 'b']);
    expect(dag.edges[0]?.source).toBe('a');
  });

  it('decodes entities, keeps CDATA verbatim and accepts namespace prefixes', () => {
    const text =
      '<g:graphml xmlns:g="http://graphml.graphdrawing.org/xmlns">\n' +
      '<g:key id="p" for="node" attr.name="payload"/><g:key id="n" for="edge" attr.name="name"/>\n' +
      '<g:graph edgedefault="directed">\n' +
      '<g:node id="a&amp;b"><g:data key="p">grep x &gt; out &amp;&amp; echo <![CDATA[a &amp; <b>]]>&#33;</g:data></g:node>\n' +
      '<g:node id="c"/><g:edge source="a&amp;b" target="c"><g:data key="n">f&#x2e;txt</g:data></g:edge>\n' +
      '</g:graph></g:graphml>';
    const dag = parseDagGraphml(text);
    expect(dag.vertices[0]).toMatchObject({ name: 'a&b', payload: 'grep x > out && echo a &amp; <b>!' });
    expect(dag.edges[0]).toMatchObject({ source: 'a&b', name: 'f.txt' });
  });

  it('reads a missing edgedefault as directed', () => {
    const dag = parseDagGraphml(graphml('<node id="a"/>', '<graph>'));
    expect(dag.vertices).toHaveLength(1);
  });
});

describe('parseDagGraphml refuses invalid input, naming the element and its line', () => {
  const node = (id: string, data = '') => `<node id="${id}">${data}</node>`;
  const edge = (s: string, t: string, name = 'f') =>
    `<edge source="${s}" target="${t}"><data key="n">${name}</data></edge>`;

  it.each<[string, string, string, RegExp]>([
    ['text that is not XML', 'hello', 'line 1, column 1', /not well-formed XML/],
    [
      'a mismatched tag',
      '<graphml>\n<graph>\n</node>\n</graphml>',
      'line 3, column 1',
      /not well-formed XML/,
    ],
    ['a root that is not <graphml>', '<?xml version="1.0"?>\n<dag/>', 'line 2: <dag>', /not GraphML/],
    ['a <graphml> without <graph>', '<graphml>\n</graphml>', 'line 1: <graphml>', /holds no <graph>/],
    [
      'an undirected graph',
      graphml(node('a'), '<graph edgedefault="undirected">'),
      'line 3: <graph edgedefault="undirected">',
      /undirected/,
    ],
    [
      'a cycle',
      graphml(
        `${node('a')}\n${node('b')}\n${node('c')}\n${edge('a', 'b')}${edge('b', 'c')}${edge('c', 'a')}`,
      ),
      'line 4: <node id="a">',
      /the graph has a cycle: a → b → c → a/,
    ],
    ['a self-loop', graphml(`${node('a')}\n${edge('a', 'a')}`), 'line 4: <node id="a">', /cycle: a → a/],
    [
      'an edge to an unknown node',
      graphml(`${node('a')}\n\n${edge('a', 'zz')}`),
      'line 6: <edge source="a" target="zz">',
      /target "zz" is not a node/,
    ],
    [
      'a duplicate node id',
      graphml(`${node('a')}\n${node('a')}`),
      'line 5: <node id="a">',
      /repeats node id "a" \(first at line 4\)/,
    ],
    [
      'an env that is not JSON',
      graphml(node('a', '<data key="e">{bad</data>')),
      'line 4: <node id="a"> env',
      /not valid JSON/,
    ],
    [
      'an env that is a list',
      graphml(node('a', '<data key="e">["x"]</data>')),
      'line 4: <node id="a"> env',
      /must be an object/,
    ],
    [
      'an env with a number value',
      graphml(node('a', '\n<data key="e">{"N": 1}</data>')),
      'line 5: <node id="a"> env/N',
      /must be a string/,
    ],
    [
      'a non-integer timelimit',
      graphml(node('a', '<data key="t">10s</data>')),
      'line 4: <node id="a"> timelimit',
      /whole number of seconds/,
    ],
    [
      'a fractional priority',
      graphml(node('a', '<data key="r">1.5</data>')),
      'line 4: <node id="a"> priority',
      /whole number/,
    ],
    [
      'an edge without name',
      graphml(`${node('a')}${node('b')}\n<edge source="a" target="b"/>`),
      'line 5: <edge source="a" target="b">',
      /has no name/,
    ],
    [
      'an edge with an empty name',
      graphml(`${node('a')}${node('b')}\n${edge('a', 'b', '  ')}`),
      'line 5: <edge source="a" target="b">',
      /has no name/,
    ],
    [
      'a datatag that is no variable name',
      graphml(
        `${node('a')}${node('b')}\n<edge source="a" target="b"><data key="n">f</data><data key="g">1X</data></edge>`,
      ),
      'line 5: <edge source="a" target="b"> datatag',
      /not a valid environment variable name/,
    ],
    [
      'data for an undeclared key',
      graphml(node('a', '<data key="nope">1</data>')),
      'line 4: <node id="a">',
      /key "nope", which no <key> declares/,
    ],
    [
      'a graph without nodes',
      graphml(''),
      'line 3: <graph edgedefault="directed">',
      /needs at least one vertex/,
    ],
    ['a DOCTYPE', '<!DOCTYPE graphml>\n<graphml/>', 'line 1', /DOCTYPE/],
  ])('%s', (_name, text, path, message) => {
    const issues = issuesOf(text);
    expect(issues).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('collects every problem instead of stopping at the first', () => {
    const text = graphml(
      `${node('a', '<data key="t">x</data>')}\n${node('a')}\n${edge('a', 'b')}\n<edge source="a" target="a"/>`,
    );
    expect(issuesOf(text).map((i) => i.path)).toEqual([
      'line 4: <node id="a"> timelimit',
      'line 5: <node id="a">',
      'line 6: <edge source="a" target="b">',
      'line 7: <edge source="a" target="a">',
      'line 4: <node id="a">',
    ]);
  });

  it('sums the problems up in the error message', () => {
    expect(() => parseDagGraphml(graphml(`${node('a')}\n${node('a')}`))).toThrow(
      'invalid GraphML DAG: line 5: <node id="a">: repeats node id "a" (first at line 4)',
    );
  });

  it('counts lines across comments, CDATA and CRLF line ends', () => {
    const text = graphml(
      `<!-- <node id="fake"> -->\r\n${node('a', '<data key="p"><![CDATA[\n<node>\n]]></data>')}\r\n${node('a')}`,
    );
    expect(issuesOf(text)).toContainEqual({
      path: 'line 8: <node id="a">',
      message: 'repeats node id "a" (first at line 5)',
    });
  });
});

describe('parseDagGraphml with the registered datatypes', () => {
  it('names the line and edge of an unregistered datatype (1filter_fail.graphml)', () => {
    let error: unknown;
    try {
      parseDagGraphml(fixture('1filter/1filter_fail.graphml'), { datatypes: ['TXT'] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([
      {
        path: 'line 53: <edge source="NOOP1" target="filter"> datatype',
        message: expect.stringContaining('"NOSUCH" is not a registered datatype (registered: TXT'),
      },
    ]);
  });

  it('accepts edges whose datatypes are registered, and untyped edges', () => {
    expect(parseDagGraphml(fixture('1filter/1filter.graphml'), { datatypes: ['TXT'] }).edges).toHaveLength(2);
    expect(parseDagGraphml(fixture('misc/wf1.graphml'), { datatypes: [] }).edges.length).toBeGreaterThan(0);
  });
});
