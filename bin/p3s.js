#!/usr/bin/env node
// Entry point of the `p3s` command: runs the compiled CLI (built by `npm install`
// through the `prepare` script) and falls back to the TypeScript sources via tsx.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'cli', 'main.js');
if (existsSync(compiled) && process.env.P3S_FROM_SOURCE !== '1') {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  // The package's tsconfig, whatever the working directory: the monitor's .tsx needs its JSX settings.
  register({ tsconfig: join(root, 'tsconfig.json') });
  await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
}
