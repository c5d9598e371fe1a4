import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from './errors.ts';
import { readFileinfo, readJobinfo, readJsonArgument } from './info-input.ts';

const dir = mkdtempSync(join(tmpdir(), 'p3s-info-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('readFileinfo', () => {
  it.each<[string | undefined, unknown]>([
    [undefined, undefined],
    ['', ''],
    ['sticky', 'sticky'],
    ['inherit:run42', 'inherit:run42'],
    ['{"A:B": {"name": "x.txt"}}', { 'A:B': { name: 'x.txt' } }],
  ])('%s', (arg, expected) => {
    expect(readFileinfo(arg)).toEqual(expected);
  });

  it('reads a JSON file, whatever its name', () => {
    expect(readFileinfo(file('info.json', '{"A:B#2": {"dirpath": "/d"}}'))).toEqual({
      'A:B#2': { dirpath: '/d' },
    });
    expect(readFileinfo(file('info.txt', '{"A:B": {}}'))).toEqual({ 'A:B': {} });
  });

  it('names what is wrong', () => {
    expect(() => readFileinfo('stiky')).toThrow(/"stiky" is not a fileinfo/);
    expect(() => readFileinfo('{"A:B": }')).toThrow(/invalid JSON at line 1, column 9/);
    expect(() => readFileinfo(file('list.json', '[1]'))).toThrow(/must be a JSON object, got a list/);
  });
});

describe('readJobinfo and readJsonArgument', () => {
  it('read inline JSON and files, and report a missing file', () => {
    expect(readJobinfo('{"NOOP1": {"payload": "/bin/date"}}')).toEqual({ NOOP1: { payload: '/bin/date' } });
    expect(readJsonArgument(file('t.json', '{"name": "TXT"}'), 'datatype')).toEqual({ name: 'TXT' });
    const error = (() => {
      try {
        readJsonArgument(join(dir, 'missing.json'), 'datatype');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toContain('no such file');
  });
});
