import { describe, expect, it } from 'vitest';
import { ArgvSyntaxError, shellQuote, splitArgs, splitWords } from './argv.ts';

describe('splitArgs', () => {
  // Expected values are what Python's shlex.split gives (POSIX mode), except the `\$` and `` \` ``
  // rows: inside double quotes those follow the POSIX shell (shlex keeps the backslash).
  const table: [string, string[]][] = [
    ['', []],
    ['   \t\n ', []],
    ['/bin/echo hello world', ['/bin/echo', 'hello', 'world']],
    ['  a   b\tc\nd  ', ['a', 'b', 'c', 'd']],
    ["echo 'a b'  'c'", ['echo', 'a b', 'c']],
    ['\'$HOME \\n "x"\'', ['$HOME \\n "x"']],
    ['"a b" c', ['a b', 'c']],
    ['"a\\"b"', ['a"b']],
    ['"a\\\\b"', ['a\\b']],
    ['"a\\$b"', ['a$b']],
    ['"a\\`b"', ['a`b']],
    ['"a\\nb"', ['a\\nb']],
    ['"\'"', ["'"]],
    ['a\\ b', ['a b']],
    ['a\\\\b', ['a\\b']],
    ['\\"x\\"', ['"x"']],
    ['\\a', ['a']],
    ['a\'b\'c"d"e', ['abcde']],
    ['\'\' "" x', ['', '', 'x']],
    ['x ""', ['x', '']],
    ['a#b # c', ['a#b', '#', 'c']],
    ['$HOME $X `cmd` | > <', ['$HOME', '$X', '`cmd`', '|', '>', '<']],
    ['prog --opt=1 -v "file name.txt"', ['prog', '--opt=1', '-v', 'file name.txt']],
    ['ünï cödé "ß ẞ"', ['ünï', 'cödé', 'ß ẞ']],
  ];
  it.each(table)('splits %j', (line, expected) => {
    expect(splitArgs(line)).toEqual(expected);
  });

  it.each([["echo 'abc"], ['echo "abc'], ['echo "a\\"'], ['echo abc\\']])('rejects %j', (line) => {
    expect(() => splitArgs(line)).toThrow(ArgvSyntaxError);
  });
});

describe('splitWords', () => {
  it('gives the end of each word in the source', () => {
    const line = "run 'my file' --x";
    expect(splitWords(line)).toEqual([
      { value: 'run', end: 3 },
      { value: 'my file', end: 13 },
      { value: '--x', end: 17 },
    ]);
  });
});

describe('shellQuote', () => {
  it.each([
    ['/tmp/a.sh', '/tmp/a.sh'],
    ['a b', "'a b'"],
    ["it's", `'it'"'"'s'`],
    ['', "''"],
  ])('quotes %j', (arg, expected) => {
    expect(shellQuote(arg)).toBe(expected);
  });
});
