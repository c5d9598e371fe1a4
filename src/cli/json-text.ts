// JSON parsing that says where it went wrong: JSON.parse for the work, and on failure a
// small scanner that finds the first bad character, reported as file:line:column.

import { CliError } from './errors.ts';

export interface JsonProblem {
  /** Index into the text (UTF-16 units). */
  index: number;
  message: string;
}

/** 1-based line and column of `index` in `text`. */
export function lineColumn(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < index && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: index - lineStart + 1 };
}

/** Parses `text`, or throws a CliError naming the source, line and column and showing the spot. */
export function parseJsonText(text: string, source: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (error) {
    const problem = findJsonProblem(body) ?? { index: body.length, message: (error as Error).message };
    const { line, column } = lineColumn(body, problem.index);
    throw new CliError(`${source}: invalid JSON at line ${line}, column ${column}: ${problem.message}`, {
      lines: excerpt(body, problem.index),
    });
  }
}

/** The offending line (cut to ~70 characters around the spot) and a caret under it. */
function excerpt(text: string, index: number): string[] {
  const start = text.lastIndexOf('\n', index - 1) + 1;
  let end = text.indexOf('\n', index);
  if (end === -1) end = text.length;
  const from = Math.max(start, index - 50);
  const to = Math.min(end, index + 20);
  const shown = `${from > start ? '…' : ''}${text.slice(from, to).replace(/\t/g, ' ')}${to < end ? '…' : ''}`;
  if (shown.trim() === '') return [];
  const caret = index - from + (from > start ? 1 : 0);
  return [`  ${shown}`, `  ${' '.repeat(caret)}^`];
}

const QUOTE = 34;

/** Thrown inside the scanner to unwind to its caller with the problem. */
class JsonScanStop extends Error {
  readonly index: number;
  constructor(index: number, message: string) {
    super(message);
    this.index = index;
  }
}

/** Scans `text` as JSON and returns the first problem, or undefined when it is valid. */
export function findJsonProblem(text: string): JsonProblem | undefined {
  let i = 0;
  const fail = (message: string, at = i): never => {
    throw new JsonScanStop(at, message);
  };
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i] as string)) i++;
  };
  const describeHere = () =>
    i >= text.length ? 'unexpected end of input' : `unexpected character ${JSON.stringify(text[i])}`;

  const string = () => {
    const open = i;
    i++;
    while (i < text.length) {
      const code = text.charCodeAt(i);
      if (code === QUOTE) {
        i++;
        return;
      }
      if (code < 0x20) {
        const what =
          code === 10 ? 'a line break' : code === 9 ? 'a tab' : `control character 0x${code.toString(16)}`;
        fail(`${what} inside a string (write it as an escape such as \\n or \\t)`);
      }
      if (code === 92) {
        const next = text[i + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('bad \\u escape (needs 4 hex digits)');
          i += 6;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) {
          i += 2;
        } else {
          fail(`bad escape \\${next ?? ''} in a string`);
        }
      } else {
        i++;
      }
    }
    fail('string not closed (missing ")', open);
  };

  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!match || match[0] === '' || match[0] === '-') fail(describeHere());
    i += (match as RegExpExecArray)[0].length;
  };

  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') object();
    else if (ch === '[') array();
    else if (ch === '"') string();
    else if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) number();
    else {
      const word = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
      if (word) i += word.length;
      else if (ch === "'") fail('strings must use double quotes');
      else fail(`${describeHere()} where a value was expected`);
    }
  };

  const object = () => {
    i++;
    ws();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (text[i] === '}') fail('trailing comma before }');
      if (text[i] !== '"') fail(`${describeHere()} where a property name in double quotes was expected`);
      string();
      ws();
      if (text[i] !== ':') fail(`${describeHere()} where ':' was expected after a property name`);
      i++;
      value();
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      fail(`${describeHere()} where ',' or '}' was expected`);
    }
  };

  const array = () => {
    i++;
    ws();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (text[i] === ']') fail('trailing comma before ]');
      value();
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      fail(`${describeHere()} where ',' or ']' was expected`);
    }
  };

  try {
    ws();
    if (i >= text.length) fail('the input is empty');
    value();
    ws();
    if (i < text.length) fail(`${describeHere()} after the end of the JSON value`);
    return undefined;
  } catch (thrown) {
    if (thrown instanceof JsonScanStop) return { index: thrown.index, message: thrown.message };
    // Nesting deep enough to exhaust the stack: let JSON.parse's own message stand.
    return undefined;
  }
}
