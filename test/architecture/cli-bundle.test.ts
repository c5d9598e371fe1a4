// The CLI bundle (scripts/build-cli.mjs, run by `npm run build`): what it must leave to tsc's dist/
// and that every file it imports from there exists. Needs a build (npm test builds first).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '..', '..', 'dist', 'bundle');
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.js')) : [];
const text = (f: string) => readFileSync(join(dir, f), 'utf8');
const relativeImports = (f: string) =>
  [...text(f).matchAll(/(?:from|import)\s*\(?\s*"(\.\.?\/[^"]+)"/g)].map((m) => m[1] as string);

describe('CLI bundle', () => {
  it('was built, with main.js as its entry', () => {
    expect(files).toContain('main.js');
  });

  it('holds one copy of the API client: its error classes come from dist/protocol/client.js', () => {
    // pilot/main and server/main throw these; the CLI tells them apart with instanceof.
    for (const f of files) expect(text(f)).not.toMatch(/class (ApiError|NetworkError) extends/);
    expect(files.some((f) => relativeImports(f).includes('../protocol/client.js'))).toBe(true);
  });

  it('leaves the server, pilot, factory, store and web out, and imports only files that exist', () => {
    const outside = files.flatMap((f) => relativeImports(f).filter((p) => p.startsWith('../')));
    expect(outside).toEqual(
      expect.arrayContaining(['../server/main.js', '../pilot/main.js', '../factory/main.js']),
    );
    for (const f of files) {
      expect(text(f)).not.toMatch(/from "(fastify|better-sqlite3|pg|kysely)"/);
      for (const p of relativeImports(f))
        expect(existsSync(resolve(dirname(join(dir, f)), p)), `${f}: ${p}`).toBe(true);
    }
  });
});
