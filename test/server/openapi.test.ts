// GET /api/v1/openapi.json: an OpenAPI 3.1 document that validates against the specification's
// own schema (checked offline by @seriousme/openapi-schema-validator), holds every route the
// server registers with the access it needs as its security, and the one error body; public, so
// a client can learn how to authenticate before it has a token.

import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, ROUTES } from '../../src/protocol/routes.ts';
import { accessRuleOf } from '../../src/server/auth/route-access.ts';
import { makeTestApp, type TestApp } from '../helpers/app.ts';

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document is arbitrary JSON here
type Json = any;

let t: TestApp;
let doc: Json;
beforeAll(async () => {
  t = await makeTestApp({ readPolicy: 'token' });
  const res = await t.app.inject({ method: 'GET', url: ROUTES.openapi });
  expect(res.statusCode).toBe(200);
  doc = res.json();
});
afterAll(async () => {
  await t.close();
});

/** `/api/v1/jobs/:id` → `/api/v1/jobs/{id}`, as OpenAPI writes paths. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    // The validator does refuse a broken document: a parameter that says not where it goes.
    const broken = structuredClone(doc);
    broken.paths['/api/v1/health'].get.parameters = [{ name: 'x', schema: { type: 'string' } }];
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('holds every API route the server registers, and /metrics, and nothing else', () => {
    const registered = t.app.p3s.routes
      .filter((r) => r.url.startsWith(API_PREFIX) || r.url === ROUTES.metrics)
      .map((r) => `${r.method} ${openApiPath(r.url)}`)
      .sort();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(registered.length).toBeGreaterThan(45);
    expect(documented).toEqual(registered);
  });

  it('says what access each route needs, with the bearer scheme', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const r of t.app.p3s.routes.filter((x) => accessRuleOf(x.method, x.url))) {
      const op = doc.paths[openApiPath(r.url)][r.method.toLowerCase()];
      const rule = accessRuleOf(r.method, r.url);
      expect(op.security, `${r.method} ${r.url}`).toEqual(rule === 'public' ? [] : [{ bearer: [] }]);
      expect(op.description).toMatch(/^Access: /);
    }
    expect(doc.paths['/api/v1/health'].get.security).toEqual([]);
    expect(doc.paths['/api/v1/jobs'].post.security).toEqual([{ bearer: [] }]);
  });

  it('documents the error body on every operation, and the request and reply schemas', () => {
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const range of ['4XX', '5XX']) {
          const schema = op.responses[range]?.content?.['application/json']?.schema;
          expect(schema?.properties?.error?.required, `${method} ${path} ${range}`).toEqual([
            'code',
            'message',
            'details',
          ]);
        }
      }
    }
    const submit = doc.paths['/api/v1/jobs'].post;
    expect(Object.keys(submit.requestBody.content['application/json'].schema.properties)).toEqual([
      'jobs',
      'user',
    ]);
    expect(submit.responses['201']).toBeDefined();
    const list = doc.paths['/api/v1/jobs'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toContain('since');
    const name = doc.paths['/api/v1/dags/{name}'].get.parameters[0];
    expect(name.description).toMatch(/letters, digits/);
  });

  it('is served without a token even under the token read policy', async () => {
    const res = await t.app.inject({ method: 'GET', url: ROUTES.openapi });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    // Unlike the metrics, a read like the others.
    expect((await t.app.inject({ method: 'GET', url: ROUTES.metrics })).statusCode).toBe(401);
  });
});
