// Datatypes: the registry of file kinds an edge may carry (P3S `data.datatype`), and the parser
// for P3S datatype JSON such as {"name":"TXT","ext":".txt","comment":"testing text files"}.

import { DAG_LIMITS, type Datatype, describe, type FieldIssue, ValidationError } from '../core/index.ts';

export type { Datatype } from '../core/index.ts';

const FIELDS = ['name', 'ext', 'comment'];
const EXT = /^(\.[A-Za-z0-9_.+-]{1,15})?$/;

/** Validates a datatype object (or its JSON text); throws ValidationError with one issue per field. */
export function parseDatatype(json: unknown): Datatype {
  const issues: FieldIssue[] = [];
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new ValidationError(`invalid datatype: not JSON (${(error as Error).message})`, [
        { path: '/', message: `is not valid JSON: ${(error as Error).message}` },
      ]);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const issue = {
      path: '/',
      message: `must be an object {"name", "ext", "comment"}, got ${describe(value)}`,
    };
    throw new ValidationError(`invalid datatype: ${issue.message}`, [issue]);
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!FIELDS.includes(key)) {
      issues.push({ path: `/${key}`, message: `unknown field (allowed: ${FIELDS.join(', ')})` });
    }
  }
  const name = obj.name;
  if (typeof name !== 'string' || name.trim() === '') {
    issues.push({ path: '/name', message: `must be a non-empty string, got ${describe(name)}` });
  } else if (name.length > DAG_LIMITS.datatype || /[\s/]/.test(name)) {
    issues.push({
      path: '/name',
      message: `must be at most ${DAG_LIMITS.datatype} characters, without spaces or /`,
    });
  }
  const ext = obj.ext ?? '';
  if (typeof ext !== 'string' || !EXT.test(ext)) {
    issues.push({
      path: '/ext',
      message: `must be "" or a dot and up to 15 characters, like ".txt"; got ${describe(ext)}`,
    });
  }
  const comment = obj.comment ?? '';
  if (typeof comment !== 'string') {
    issues.push({ path: '/comment', message: `must be a string, got ${describe(comment)}` });
  }
  if (issues.length > 0) {
    const first = issues[0] as FieldIssue;
    throw new ValidationError(`invalid datatype: ${first.path}: ${first.message}`, issues);
  }
  return { name: name as string, ext: ext as string, comment: comment as string };
}
