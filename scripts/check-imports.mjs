#!/usr/bin/env node
// Enforces the import rules of DESIGN.md: which src/ folder may import which.
// Run by `npm run lint` and by test/architecture/import-rules.test.ts.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** folder → folders it may import (itself is always allowed). */
export const ALLOWED = {
  core: [],
  protocol: ['core'],
  store: ['core'],
  workflow: ['core'],
  pilot: ['core', 'protocol'],
  // The pilot factory is a client of the API, like pilots: it runs on a batch system's submit host.
  factory: ['core', 'protocol'],
  web: ['core', 'protocol'],
  server: ['core', 'protocol', 'store', 'workflow', 'web'],
  cli: ['core', 'protocol'],
};

/** Single files outside the allowed folders that a folder may still import (composition roots). */
export const ALLOWED_FILES = {
  cli: [
    'server/main.ts',
    'server/options.ts',
    'pilot/main.ts',
    'pilot/options.ts',
    'factory/main.ts',
    'factory/options.ts',
  ],
};

/** Folders that must stay pure: no node: built-ins, no npm packages. */
export const PURE = ['core'];

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Returns one message per forbidden import in the given files (paths relative to src/). */
export function findViolations(files) {
  const violations = [];
  for (const { path, text } of files) {
    const folder = path.split('/')[0];
    const allowed = ALLOWED[folder];
    if (!allowed) {
      violations.push(
        `${path}: src/${folder}/ is not a known subsystem (add it to scripts/check-imports.mjs)`,
      );
      continue;
    }
    for (const match of text.matchAll(IMPORT)) {
      const spec = match[1] ?? match[2];
      if (!spec) continue;
      if (!spec.startsWith('.')) {
        // Tests next to pure code may use the test runner and read fixtures.
        if (PURE.includes(folder) && !path.endsWith('.test.ts'))
          violations.push(`${path}: src/${folder}/ is pure and must not import ${spec}`);
        continue;
      }
      const target = relative('/src', resolve('/src', dirname(path), spec))
        .split(sep)
        .join('/');
      const targetFolder = target.split('/')[0];
      if (targetFolder.startsWith('..')) {
        violations.push(`${path}: imports ${spec}, outside src/`);
      } else if (
        targetFolder !== folder &&
        !allowed.includes(targetFolder) &&
        !(ALLOWED_FILES[folder] ?? []).includes(target)
      ) {
        violations.push(
          `${path}: src/${folder}/ must not import src/${target} (allowed: ${allowed.join(', ') || 'nothing'})`,
        );
      }
    }
  }
  return violations;
}

export function readSourceTree(srcDir) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|tsx|mts)$/.test(entry.name)) {
        files.push({ path: relative(srcDir, full).split(sep).join('/'), text: readFileSync(full, 'utf8') });
      }
    }
  };
  walk(srcDir);
  return files;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const srcDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
  const violations = findViolations(readSourceTree(srcDir));
  for (const v of violations) console.error(v);
  if (violations.length > 0) {
    console.error(`${violations.length} forbidden import(s); see the import rules in docs/architecture.md`);
    process.exit(1);
  }
  console.log('import rules: ok');
}
