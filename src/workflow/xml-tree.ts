// XML text → a small element tree with the line of every start tag, for the GraphML reader.
// fast-xml-parser checks well-formedness and parses; it gives no element positions, so we scan
// the start tags ourselves (both walk the document in order, so the n-th element matches).

import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface XmlElement {
  /** Local name, namespace prefix removed. */
  name: string;
  /** Attribute values, entity references decoded. */
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Text and CDATA directly inside the element, in document order, decoded. */
  text: string;
  /** 1-based line of the start tag; undefined only if the position scan disagreed with the parser. */
  line: number | undefined;
}

export type XmlTreeResult =
  | { ok: true; roots: XmlElement[] }
  | { ok: false; wellFormed: boolean; line: number | undefined; column: number | undefined; message: string };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  // Entities are decoded here, after the parse, so CDATA stays verbatim and no DOCTYPE entity expands.
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  cdataPropName: '#cdata',
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** Parses XML text; a DOCTYPE is refused (GraphML needs none, and it could declare entities). */
export function parseXmlTree(source: string): XmlTreeResult {
  // XML treats CR LF and lone CR as LF; normalising first keeps lines and values consistent.
  const text = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const lineStarts = computeLineStarts(text);
  const validity = XMLValidator.validate(text);
  if (validity !== true) {
    const { line, col, msg } = validity.err;
    return { ok: false, wellFormed: false, line, column: col, message: msg };
  }
  const scan = scanStartTags(text);
  if (scan.doctypeAt !== undefined) {
    return {
      ok: false,
      wellFormed: true,
      line: lineOf(lineStarts, scan.doctypeAt),
      column: undefined,
      message: 'has a DOCTYPE declaration, which GraphML does not need and p3s does not accept',
    };
  }
  const elements: XmlElement[] = [];
  let roots: XmlElement[];
  try {
    roots = convert(parser.parse(text) as unknown[], elements);
  } catch (error) {
    return {
      ok: false,
      wellFormed: false,
      line: undefined,
      column: undefined,
      message: (error as Error).message,
    };
  }
  const sameShape =
    elements.length === scan.names.length && elements.every((e, i) => e.name === scan.names[i]);
  if (sameShape) {
    elements.forEach((e, i) => {
      e.line = lineOf(lineStarts, scan.offsets[i] as number);
    });
  }
  return { ok: true, roots };
}

/** Converts fast-xml-parser's ordered output, collecting elements in document (pre-)order. */
function convert(items: unknown[], all: XmlElement[]): XmlElement[] {
  const out: XmlElement[] = [];
  for (const item of items) {
    const element = convertOne(item as Record<string, unknown>, all);
    if (element) out.push(element);
  }
  return out;
}

function convertOne(record: Record<string, unknown>, all: XmlElement[]): XmlElement | undefined {
  let name: string | undefined;
  for (const key in record) {
    if (key !== ':@' && key !== '#text' && key !== '#cdata') {
      name = key;
      break;
    }
  }
  if (name === undefined) return undefined;
  const attrs: Record<string, string> = {};
  const rawAttrs = record[':@'] as Record<string, unknown> | undefined;
  for (const key in rawAttrs) {
    // Attribute-value normalisation: literal whitespace characters become spaces.
    attrs[key] = decodeEntities(String(rawAttrs[key]).replace(/[\t\n]/g, ' '));
  }
  const element: XmlElement = { name, attrs, children: [], text: '', line: undefined };
  all.push(element);
  let text = '';
  for (const child of (record[name] ?? []) as Record<string, unknown>[]) {
    if ('#text' in child) text += decodeEntities(String(child['#text']));
    else if ('#cdata' in child) text += cdataText(child['#cdata']);
    else {
      const sub = convertOne(child, all);
      if (sub) element.children.push(sub);
    }
  }
  element.text = text;
  return element;
}

function cdataText(value: unknown): string {
  if (!Array.isArray(value)) return String(value ?? '');
  return value.map((v) => String((v as Record<string, unknown>)['#text'] ?? '')).join('');
}

const ENTITY = /&(?:#(\d+)|#x([0-9a-fA-F]+)|(lt|gt|amp|quot|apos));/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five predefined entities and character references; anything else stays as written. */
export function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(
    ENTITY,
    (whole, dec: string | undefined, hex: string | undefined, named: string | undefined) => {
      if (named !== undefined) return NAMED[named] as string;
      const code = dec !== undefined ? Number(dec) : Number.parseInt(hex as string, 16);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    },
  );
}

interface TagScan {
  names: string[];
  offsets: number[];
  doctypeAt: number | undefined;
}

const TAG_NAME = /<([^\s/>]+)/y;

/** Finds every start tag (and empty-element tag) of well-formed XML, skipping comments, CDATA and PIs. */
function scanStartTags(text: string): TagScan {
  const scan: TagScan = { names: [], offsets: [], doctypeAt: undefined };
  let i = text.indexOf('<');
  while (i !== -1 && i < text.length) {
    if (text.startsWith('<!--', i)) i = after(text, '-->', i + 4);
    else if (text.startsWith('<![CDATA[', i)) i = after(text, ']]>', i + 9);
    else if (text.startsWith('<?', i)) i = after(text, '?>', i + 2);
    else if (text.startsWith('<!', i)) {
      scan.doctypeAt ??= i;
      const close = text.indexOf('>', i);
      const bracket = text.indexOf('[', i);
      i = bracket !== -1 && bracket < close ? after(text, '>', text.indexOf(']', bracket)) : close + 1;
    } else if (text[i + 1] === '/') i = after(text, '>', i);
    else {
      TAG_NAME.lastIndex = i;
      const match = TAG_NAME.exec(text);
      if (!match) break;
      scan.names.push(localName(match[1] as string));
      scan.offsets.push(i);
      let j = i + match[0].length;
      while (j < text.length && text[j] !== '>') {
        // A '>' may sit inside a quoted attribute value.
        if (text[j] === '"' || text[j] === "'") j = text.indexOf(text[j] as string, j + 1);
        if (j === -1) return scan;
        j++;
      }
      i = j + 1;
    }
    if (i <= 0) break;
    i = text.indexOf('<', i);
  }
  return scan;
}

/** Offset just past the next `token` at or after `from`, or -1 when there is none. */
function after(text: string, token: string, from: number): number {
  const at = text.indexOf(token, from);
  return at === -1 ? -1 : at + token.length;
}

function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon === -1 ? qualified : qualified.slice(colon + 1);
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineOf(lineStarts: number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
