// Every error code is unique, mapped to an HTTP status and documented in docs/reference/errors.md.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_ERRORS } from '../../src/core/errors.ts';
import { JOB_ERRORS } from '../../src/core/job-errors.ts';
import { HTTP_STATUS } from '../../src/server/http-errors.ts';
import { tableRows } from '../helpers/markdown.ts';

const rows = tableRows(
  readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'reference', 'errors.md'), 'utf8'),
);
const row = (first: string) => rows.find((cells) => cells[0] === first);

describe('error registries', () => {
  it.each(Object.keys(API_ERRORS))('API error %s has a status and a documented row', (code) => {
    const status = HTTP_STATUS[code as keyof typeof HTTP_STATUS];
    expect(status).toBeGreaterThanOrEqual(400);
    expect(row(`\`${code}\``)?.[1]).toBe(String(status));
  });

  it.each(Object.entries(JOB_ERRORS))('job error %s is documented with its number', (name, info) => {
    expect(row(`\`${name}\``)?.[1]).toBe(String(info.code));
  });

  it('maps no code that the registry lacks', () => {
    expect(Object.keys(HTTP_STATUS).sort()).toEqual(Object.keys(API_ERRORS).sort());
  });
});
