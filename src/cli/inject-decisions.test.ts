import { describe, expect, it } from 'vitest';
import {
  decideScan,
  entryEdgeKeys,
  entryFileinfo,
  type FileSighting,
  globToRegExp,
  type Watch,
} from './inject-decisions.ts';

const file = (name: string, size = 10, mtimeMs = 1000): FileSighting => ({ name, size, mtimeMs });

describe('decideScan', () => {
  const T = 100_000;
  const watches = (entries: [string, Watch][]) => new Map(entries);

  it.each<[string, FileSighting[], [string, Watch][], string[], number, number, string[], string[]]>([
    ['injects at first sight with no stable time', [file('a')], [], [], T, 0, ['a'], []],
    ['waits on a file seen for the first time', [file('a')], [], [], T, 2000, [], ['a']],
    [
      'injects a file unchanged for the stable time',
      [file('a')],
      [['a', { size: 10, mtimeMs: 1000, since: T - 2000 }]],
      [],
      T,
      2000,
      ['a'],
      [],
    ],
    [
      'keeps waiting while the size grows',
      [file('a', 20, 1000)],
      [['a', { size: 10, mtimeMs: 1000, since: T - 5000 }]],
      [],
      T,
      2000,
      [],
      ['a'],
    ],
    [
      'keeps waiting while the mtime moves',
      [file('a', 10, 2000)],
      [['a', { size: 10, mtimeMs: 1000, since: T - 5000 }]],
      [],
      T,
      2000,
      [],
      ['a'],
    ],
    ['never injects a processed file', [file('a'), file('b')], [], ['a'], T, 0, ['b'], []],
    ['orders ready files by name', [file('c'), file('a'), file('b')], [], [], T, 0, ['a', 'b', 'c'], []],
  ])('%s', (_name, sightings, before, processed, now, stable, ready, waiting) => {
    const decision = decideScan(sightings, watches(before), new Set(processed), now, stable);
    expect(decision.ready).toEqual(ready);
    expect(decision.waiting).toEqual(waiting);
  });

  it('restarts the clock of a changed file and forgets files that are gone or ready', () => {
    const first = decideScan([file('a'), file('gone')], new Map(), new Set(), 1000, 500);
    expect([...first.watches.keys()]).toEqual(['a', 'gone']);
    const grown = decideScan([file('a', 99)], first.watches, new Set(), 1400, 500);
    expect(grown.watches.get('a')).toEqual({ size: 99, mtimeMs: 1000, since: 1400 });
    expect(grown.watches.has('gone')).toBe(false);
    const still = decideScan([file('a', 99)], grown.watches, new Set(), 1800, 500);
    expect(still.ready).toEqual([]);
    const done = decideScan([file('a', 99)], still.watches, new Set(), 1900, 500);
    expect(done.ready).toEqual(['a']);
    expect(done.watches.size).toBe(0);
  });
});

describe('globToRegExp', () => {
  it.each<[string, string, boolean]>([
    ['*', 'input.txt', true],
    ['*.txt', 'input.txt', true],
    ['*.txt', 'input.txt.part', false],
    ['run_??.root', 'run_42.root', true],
    ['run_??.root', 'run_4.root', false],
    ['np04_raw_run[0-9]*.root', 'np04_raw_run5000.root', true],
    ['np04_raw_run[0-9]*.root', 'np04_raw_runX.root', false],
    ['[!.]*', '.hidden', false],
    ['a+b(1).txt', 'a+b(1).txt', true],
    ['a.txt', 'abtxt', false],
  ])('%s matches %s: %s', (glob, name, expected) => {
    expect(globToRegExp(glob).test(name)).toBe(expected);
  });
});

describe('entry edges', () => {
  const vertices = [
    { name: 'NOOP1', jobtype: 'noop' },
    { name: 'filter1', jobtype: 'filter' },
    { name: 'filter2', jobtype: 'filter' },
    { name: 'NOOP2', jobtype: 'noop' },
    { name: 'raw', jobtype: 'reco' },
  ];
  it('are the edges leaving a noop source, parallel edges numbered', () => {
    const edges = [
      { source: 'NOOP1', target: 'filter1' },
      { source: 'NOOP1', target: 'filter2' },
      { source: 'NOOP1', target: 'filter2' },
      { source: 'filter1', target: 'NOOP2' },
      { source: 'raw', target: 'NOOP2' },
    ];
    expect(entryEdgeKeys(edges, vertices, ['NOOP1', 'raw'])).toEqual([
      'NOOP1:filter1#1',
      'NOOP1:filter2#1',
      'NOOP1:filter2#2',
    ]);
    expect(entryEdgeKeys(edges, vertices, ['raw'])).toEqual([]);
  });

  it('point at one file', () => {
    expect(entryFileinfo(['A:B#1'], '/data/in', 'run1.txt')).toEqual({
      'A:B#1': { name: 'run1.txt', dirpath: '/data/in', comment: 'injected by p3s inject' },
    });
  });

  it("keep the user's fileinfo for the other edges, and a comment on an entry edge", () => {
    const given = {
      'B:C': { name: 'out.txt', dirpath: '/data/out' },
      'A:B#1': { name: 'ignored.txt', comment: 'raw input' },
    };
    expect(entryFileinfo(['A:B#1'], '/data/in', 'run1.txt', given)).toEqual({
      'B:C': { name: 'out.txt', dirpath: '/data/out' },
      'A:B#1': { name: 'run1.txt', dirpath: '/data/in', comment: 'raw input' },
    });
  });
});
