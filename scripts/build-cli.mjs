#!/usr/bin/env node
// `npm run build` step after tsc: bundles the CLI (src/cli/main.ts) into dist/bundle/, one entry
// file plus a chunk per command group (each loaded on use), so a command reads a few files instead
// of ~50 modules. bin/p3s.js runs the bundle when it exists.
// Left out and imported from tsc's dist/ at run time: the server, pilot, factory, store and web
// (they find files next to themselves through import.meta, and load native drivers), and the API
// client, whose error classes they throw and the CLI tells apart with instanceof: one copy of it.

import { rmSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const outdir = join(root, 'dist', 'bundle');

/** src-relative paths (posix) that stay in tsc's dist/ rather than in the bundle. */
export function keptOut(path) {
  if (path === 'protocol/client.ts') return true;
  const [folder, file] = path.split('/');
  return ['server', 'pilot', 'factory', 'store', 'web'].includes(folder) && file !== 'options.ts';
}

const tscOutput = {
  name: 'tsc-output',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const path = relative(src, resolve(args.resolveDir, args.path)).split(sep).join('/');
      if (path.startsWith('..') || !keptOut(path)) return undefined;
      return { path: `../${path.replace(/\.tsx?$/, '.js')}`, external: true };
    });
  },
};

// Chunk names carry a content hash: an old build's chunks would otherwise pile up.
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: join(src, 'cli', 'main.ts') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  external: ['better-sqlite3', 'pg', 'pg-native'],
  // commander is CommonJS: its require() calls of Node's modules need a require in ESM output.
  banner: {
    js: "import { createRequire as __p3sRequire } from 'node:module'; const require = __p3sRequire(import.meta.url);",
  },
  plugins: [tscOutput],
  logLevel: 'warning',
});
