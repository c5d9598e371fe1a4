// The import rules of DESIGN.md hold for the real tree, and the check does catch a violation.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without type declarations
import { findViolations, readSourceTree } from '../../scripts/check-imports.mjs';

describe('import rules', () => {
  it('holds for every file under src/', () => {
    expect(findViolations(readSourceTree(join(import.meta.dirname, '..', '..', 'src')))).toEqual([]);
  });

  it.each([
    ['core/x.ts', "import { a } from '../store/store.ts';", 'src/core/ must not import src/store/store.ts'],
    ['pilot/x.ts', "import { a } from '../store/sql-store.ts';", 'src/pilot/ must not import'],
    ['protocol/x.ts', "export { a } from '../server/app.ts';", 'src/protocol/ must not import'],
    ['cli/x.ts', "const m = await import('../server/app.ts');", 'src/cli/ must not import src/server/app.ts'],
    ['web/x.ts', "import type { Store } from '../store/store.ts';", 'src/web/ must not import'],
    ['factory/x.ts', "import type { Store } from '../store/store.ts';", 'src/factory/ must not import'],
    [
      'cli/x.ts',
      "import { Factory } from '../factory/factory.ts';",
      'src/cli/ must not import src/factory/factory.ts',
    ],
    ['store/x.ts', "import { a } from '../../test/helpers/postgres.ts';", 'outside src/'],
    ['core/x.ts', "import { readFileSync } from 'node:fs';", 'src/core/ is pure and must not import node:fs'],
  ])('reports %s importing what it must not', (path, text, message) => {
    const violations: string[] = findViolations([{ path, text }]);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toContain(message);
  });

  it.each([
    ['cli/x.ts', "import { startServer } from '../server/main.ts';"],
    ['server/x.ts', "import type { Store } from '../store/store.ts';"],
    ['pilot/x.ts', "import { P3sClient } from '../protocol/client.ts';"],
    ['factory/x.ts', "import { P3sClient } from '../protocol/client.ts';"],
    ['cli/x.ts', "const { runFactory } = await import('../factory/main.ts');"],
  ])('allows %s', (path, text) => {
    expect(findViolations([{ path, text }])).toEqual([]);
  });
});
