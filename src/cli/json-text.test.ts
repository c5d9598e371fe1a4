import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliError, errorLines } from './errors.ts';
import { findJsonProblem, lineColumn, parseJsonText } from './json-text.ts';

const FIXTURE = join(
  import.meta.dirname,
  '..',
  '..',
  'test',
  'fixtures',
  'p3s',
  'data',
  'sampleFTSmeta1.json',
);

function failure(text: string, source = 'x.json'): CliError {
  try {
    parseJsonText(text, source);
  } catch (error) {
    return error as CliError;
  }
  throw new Error('parsed without error');
}

describe('parseJsonText', () => {
  it('names line and column of a raw newline inside a key (P3S sampleFTSmeta1.json)', () => {
    const text = '{"file_type": "mc",\n  "DUNE.\ncampaign": "DC2"}';
    const error = failure(text);
    expect(error.message).toBe(
      'x.json: invalid JSON at line 2, column 9: a line break inside a string (write it as an escape such as \\n or \\t)',
    );
    expect(error.lines).toEqual(['    "DUNE.', '          ^']);
  });

  it('reports the real fixture file by name, line and column', () => {
    const text = readFileSync(FIXTURE, 'utf8');
    const column = text.indexOf('\n') + 1;
    const lines = errorLines(failure(text, 'sampleFTSmeta1.json'));
    expect(lines[0]).toBe(
      `p3s: sampleFTSmeta1.json: invalid JSON at line 1, column ${column}: a line break inside a string (write it as an escape such as \\n or \\t)`,
    );
    expect(lines[2]).toMatch(/^ +\^$/);
  });

  it('locates the usual mistakes', () => {
    expect(failure('[\n  {"a": 1},\n]').message).toMatch(/line 3, column 1: trailing comma before \]/);
    expect(failure('[{"a": 1}\n {"b": 2}]').message).toMatch(
      /line 2, column 2: unexpected character "\{" where ',' or ']'/,
    );
    expect(failure("[{'a': 1}]").message).toMatch(/line 1, column 3: .*property name/);
    expect(failure('[{"a": 1}').message).toMatch(/line 1, column 10: unexpected end of input/);
    expect(failure('[{"a": "x}]').message).toMatch(/line 1, column 8: string not closed/);
    expect(failure('   ').message).toMatch(/the input is empty/);
    expect(failure('[1] [2]').message).toMatch(/column 5: .* after the end of the JSON value/);
  });

  it('parses valid JSON, with or without a byte order mark', () => {
    expect(parseJsonText('[{"name":"a","timeout":"100"}]', 'x')).toEqual([{ name: 'a', timeout: '100' }]);
    expect(parseJsonText('\ufeff{"a":[1,-2.5e3,true,null,"\\u00e9"]}', 'x')).toEqual({
      a: [1, -2500, true, null, 'é'],
    });
  });
});

describe('findJsonProblem', () => {
  it('agrees with JSON.parse on what is valid', () => {
    const samples = [
      '{}',
      '[]',
      '0',
      '-0.5',
      '"a\\"b"',
      '[1,]',
      '{"a"}',
      '01',
      '1.',
      '"\\x"',
      'tru',
      '{"a":1,}',
      '[1 2]',
    ];
    for (const sample of samples) {
      let valid = true;
      try {
        JSON.parse(sample);
      } catch {
        valid = false;
      }
      expect(findJsonProblem(sample) === undefined, sample).toBe(valid);
    }
  });
});

describe('lineColumn', () => {
  it('counts from 1', () => {
    expect(lineColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});
