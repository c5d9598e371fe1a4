// GraphML element helpers for the reader: the `<key>` table, the `<data>` values of a node or edge
// (matched by attr.name, `<default>` filled in), value checks, and issue paths with line numbers.

import { type FieldIssue, parseEnv } from '../core/index.ts';
import type { XmlElement } from './xml-tree.ts';

export interface KeyDecl {
  attrName: string | undefined;
  /** GraphML `for`: node, edge, all, … (absent = all). */
  domain: string;
  defaultText: string | undefined;
  element: XmlElement;
}

/** A value given for a model field, and the issue path naming where it was written. */
export interface FieldText {
  text: string;
  path: string;
}

/** The `<key>` table by id; repeated or missing ids are issues. */
export function readKeys(root: XmlElement, issues: FieldIssue[]): Map<string, KeyDecl> {
  const keys = new Map<string, KeyDecl>();
  for (const element of root.children.filter((c) => c.name === 'key')) {
    const id = element.attrs.id;
    if (id === undefined) {
      issues.push({ path: where(element), message: 'has no id' });
      continue;
    }
    const earlier = keys.get(id);
    if (earlier) {
      issues.push({
        path: where(element),
        message: `repeats key id "${id}" (first declared ${lineRef(earlier.element)})`,
      });
      continue;
    }
    const defaultText = element.children.find((c) => c.name === 'default')?.text;
    keys.set(id, {
      attrName: element.attrs['attr.name'],
      domain: element.attrs.for ?? 'all',
      defaultText,
      element,
    });
  }
  return keys;
}

/** The values an element gives for `wanted` fields, with `<key>` defaults filled in. */
export function readFields(
  owner: XmlElement,
  domain: 'node' | 'edge',
  wanted: readonly string[],
  keys: Map<string, KeyDecl>,
  issues: FieldIssue[],
): Map<string, FieldText> {
  const fields = new Map<string, FieldText>();
  for (const data of owner.children.filter((c) => c.name === 'data')) {
    const keyId = data.attrs.key;
    const key = keyId === undefined ? undefined : keys.get(keyId);
    if (!key) {
      const message =
        keyId === undefined
          ? '<data> has no key attribute'
          : `<data> refers to key "${keyId}", which no <key> declares`;
      issues.push({ path: where(owner, data.line), message });
      continue;
    }
    const field = key.attrName;
    if (field === undefined || !wanted.includes(field)) continue;
    if (fields.has(field)) {
      issues.push({ path: where(owner, data.line), message: `gives ${field} twice` });
      continue;
    }
    fields.set(field, { text: data.text.trim(), path: `${where(owner, data.line)} ${field}` });
  }
  for (const key of keys.values()) {
    const field = key.attrName;
    if (key.defaultText === undefined || field === undefined || !wanted.includes(field)) continue;
    if (fields.has(field) || (key.domain !== domain && key.domain !== 'all')) continue;
    fields.set(field, { text: key.defaultText.trim(), path: `${where(key.element)} <default> (${field})` });
  }
  return fields;
}

/** A text field's value: the fallback when missing or empty, undefined (with an issue) when too long. */
export function textValue(given: FieldText | undefined, fallback: string, max: number, issues: FieldIssue[]) {
  if (!given || given.text === '') return fallback;
  if (given.text.length > max) {
    issues.push({ path: given.path, message: `is ${given.text.length} characters long; at most ${max}` });
    return undefined;
  }
  return given.text;
}

/** The vertex env: JSON object text of string values, checked by the same rules as job env. */
export function envValue(
  given: FieldText | undefined,
  issues: FieldIssue[],
): Record<string, string> | undefined {
  if (!given || given.text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(given.text);
  } catch (error) {
    issues.push({
      path: given.path,
      message: `is not valid JSON (${(error as Error).message}); expected {"NAME": "value"}`,
    });
    return undefined;
  }
  return parseEnv(value, given.path, issues);
}

/** Issue path for an element: `line 12: <edge source="a" target="b">`; `line` overrides the element's own. */
export function where(element: XmlElement, line = element.line): string {
  return `${line === undefined ? '' : `line ${line}: `}${label(element)}`;
}

export function lineRef(element: XmlElement): string {
  return element.line === undefined ? 'earlier' : `at line ${element.line}`;
}

const LABEL_ATTRS: Record<string, readonly string[]> = {
  node: ['id'],
  edge: ['source', 'target'],
  key: ['id'],
  graph: ['edgedefault'],
  data: ['key'],
};

function label(element: XmlElement): string {
  const attrs = (LABEL_ATTRS[element.name] ?? [])
    .filter((a) => element.attrs[a] !== undefined)
    .map((a) => ` ${a}="${element.attrs[a]}"`)
    .join('');
  return `<${element.name}${attrs}>`;
}
