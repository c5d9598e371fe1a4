// Splits a payload command line into argv the way P3S did (Python `shlex.split`, POSIX mode),
// so payloads written for P3S run unchanged without a shell.

/** The payload string cannot be split (unterminated quote, trailing backslash). */
export class ArgvSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArgvSyntaxError';
  }
}

/** One word of a command line and the index just past its last character in the source. */
export interface Word {
  value: string;
  end: number;
}

const WHITESPACE = new Set([' ', '\t', '\r', '\n']);
/** Characters a backslash escapes inside double quotes (as in a POSIX shell); elsewhere it stays literal. */
const DOUBLE_QUOTE_ESCAPES = new Set(['\\', '"', '$', '`']);

/** Splits into words with their end positions; throws ArgvSyntaxError on bad quoting. */
export function splitWords(line: string): Word[] {
  const words: Word[] = [];
  let current = '';
  // A word exists once any character or quote pair was seen, so `''` yields an empty argument.
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const ch = line[i] as string;
    if (WHITESPACE.has(ch)) {
      if (inWord) words.push({ value: current, end: i });
      current = '';
      inWord = false;
      i++;
    } else if (ch === "'") {
      const close = line.indexOf("'", i + 1);
      if (close < 0) throw new ArgvSyntaxError('no closing quotation (single quote)');
      current += line.slice(i + 1, close);
      inWord = true;
      i = close + 1;
    } else if (ch === '"') {
      i++;
      let closed = false;
      while (i < line.length) {
        const c = line[i] as string;
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === '\\' && i + 1 < line.length && DOUBLE_QUOTE_ESCAPES.has(line[i + 1] as string)) {
          current += line[i + 1];
          i += 2;
        } else {
          current += c;
          i++;
        }
      }
      if (!closed) throw new ArgvSyntaxError('no closing quotation (double quote)');
      inWord = true;
    } else if (ch === '\\') {
      if (i + 1 >= line.length) throw new ArgvSyntaxError('no escaped character after a trailing backslash');
      current += line[i + 1];
      inWord = true;
      i += 2;
    } else {
      current += ch;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push({ value: current, end: line.length });
  return words;
}

/** `shlex.split(payload)`: the argv of a payload run without a shell. */
export function splitArgs(payload: string): string[] {
  return splitWords(payload).map((word) => word.value);
}

/** Quotes one argument for `/bin/sh` so it stays a single literal word. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'"'"'`)}'`;
}
