// How request bodies are read: JSON only (a `text/plain` body is 415, as the API promises), and no
// deeper than MAX_JSON_DEPTH: a 16 MiB body of `[` took seconds and gigabytes to parse before any
// schema could refuse it; now a scan refuses it at its 33rd level, before parsing.

import { jsonTooDeep, MAX_JSON_DEPTH, ValidationError } from '../core/index.ts';
import type { TypedApp } from './app.ts';

export function registerJsonBody(app: TypedApp, bodyLimit: number): void {
  // Fastify's own parser (prototype-poisoning checks, empty-body error), after the depth check.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (request, body, done) => {
    const text = String(body);
    if (jsonTooDeep(text, MAX_JSON_DEPTH)) {
      const message = `nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`;
      done(new ValidationError(`/body: ${message}`, [{ path: '/body', message }]), undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
