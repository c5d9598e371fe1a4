// Text for a terminal: what users, payloads and the server put in names, diagnostics and paths is
// shown, never obeyed. Control characters (escape sequences, carriage returns) and bidirectional
// overrides become visible escapes such as `\x1b` and `\u202e`. Our own colours must survive that,
// so styles are written as markers holding a per-process random nonce, which no stored text can
// contain, and become escape sequences only when the text is written. Widths are display columns.

import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

// string-width is loaded on first need: its Unicode tables cost every command tens of ms to load.
const require = createRequire(import.meta.url);
let stringWidth: typeof import('string-width').default | undefined;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** C0 controls (tab and newline are handled apart), DEL, C1 controls, and every bidi control. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_OR_LAYOUT = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `\x1b`, `\u202e`: how a neutralised character reads. */
function visibleEscape(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every character a terminal would act on made visible. Lines (`multiline`) keep
 * newlines and tabs; a table cell is one line, so there they are escaped too.
 */
export function neutralise(text: string, { multiline = true }: { multiline?: boolean } = {}): string {
  return text.replace(multiline ? UNSAFE : UNSAFE_OR_LAYOUT, visibleEscape);
}

// A style marker stands for the ESC of one SGR sequence we wrote: U+FDD0 and U+FDD1 are
// noncharacters, reserved by Unicode for a program's internal use, around the nonce.
const MARK = `\ufdd0${randomBytes(8).toString('hex')}\ufdd1`;
const MARKS = new RegExp(`${MARK}\\[[0-9;]*m`, 'g');

/**
 * Wraps `open`…`close` SGR codes (`1`, `22`) around text as markers; a style closed inside the
 * text (bold and dim share one close) is opened again after it, as picocolors does.
 */
export function styled(open: number, close: number, text: string): string {
  const begin = `${MARK}[${open}m`;
  const end = `${MARK}[${close}m`;
  return begin + text.replaceAll(end, end + begin) + end;
}

/** The text as it is written: markers become escape sequences, or vanish without colour. */
export function resolveStyles(text: string, color: boolean): string {
  return color ? text.replaceAll(MARK, '\x1b') : text.replace(MARKS, '');
}

/** Columns `text` takes on a terminal (CJK and emoji are two wide; style markers none). */
export function displayWidth(text: string): number {
  const plain = text.replace(MARKS, '');
  if (PRINTABLE_ASCII.test(plain)) return plain.length;
  stringWidth ??= (require('string-width') as typeof import('string-width')).default;
  return stringWidth(plain, { countAnsiEscapeCodes: true });
}

let graphemes: Intl.Segmenter | undefined;

/**
 * One line of at most `max` columns as the terminal shows it: line breaks become spaces, control
 * characters visible escapes, and a cut is marked with `…`, never inside a character (a surrogate
 * pair, an emoji sequence, a letter and its accent).
 */
export function truncate(text: string, max: number): string {
  const flat = neutralise(text.replace(/\s*\n\s*/g, ' '), { multiline: false });
  if (displayWidth(flat) <= max) return flat;
  let kept = '';
  let width = 0;
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  for (const { segment } of graphemes.segment(flat)) {
    const w = displayWidth(segment);
    if (width + w > max - 1) break;
    kept += segment;
    width += w;
  }
  return `${kept}…`;
}

/** `text` padded with spaces to `width` columns, on the left for right-aligned cells. */
export function pad(text: string, width: number, right = false): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return right ? fill + text : text + fill;
}

/**
 * JSON for programs: the same value, with the characters a terminal would act on that
 * JSON.stringify leaves raw (DEL, C1 controls, bidi controls, line separators) as \u escapes.
 */
export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (ch) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}
