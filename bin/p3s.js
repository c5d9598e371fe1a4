#!/usr/bin/env node
// Entry point of the `p3s` command. Runs the CLI built by `npm install` (the `prepare` script):
// the bundle in dist/bundle (scripts/build-cli.mjs) when there, else tsc's dist/cli, else the
// TypeScript sources via tsx (also when P3S_FROM_SOURCE=1).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = [join(root, 'dist', 'bundle', 'main.js'), join(root, 'dist', 'cli', 'main.js')].find((f) =>
  existsSync(f),
);
if (built !== undefined && process.env.P3S_FROM_SOURCE !== '1') {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  // The package's tsconfig, whatever the working directory: the monitor's .tsx needs its JSX settings.
  register({ tsconfig: join(root, 'tsconfig.json') });
  await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
}
