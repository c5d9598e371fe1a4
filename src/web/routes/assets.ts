// The monitor's static files: htmx and uPlot from node_modules, its own CSS and script.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);

/** src/web/assets, also when running from dist/web/routes (the assets are not compiled). */
function ownAssetsDir(): string {
  const web = join(import.meta.dirname, '..');
  const beside = join(web, 'assets');
  return existsSync(join(beside, 'monitor.js')) ? beside : join(web, '..', '..', 'src', 'web', 'assets');
}

export function assetFiles(): Record<string, string> {
  const own = ownAssetsDir();
  return {
    'htmx.min.js': require.resolve('htmx.org/dist/htmx.min.js'),
    'uPlot.iife.min.js': require.resolve('uplot/dist/uPlot.iife.min.js'),
    'uPlot.min.css': require.resolve('uplot/dist/uPlot.min.css'),
    'monitor.css': join(own, 'monitor.css'),
    'monitor.js': join(own, 'monitor.js'),
  };
}

/** Serves exactly those files under /assets/. */
export async function registerAssets(scope: FastifyInstance): Promise<void> {
  const files = assetFiles();
  const names = new Set(Object.keys(files));
  await scope.register(fastifyStatic, {
    root: [...new Set(Object.values(files).map((f) => dirname(f)))],
    prefix: '/assets/',
    allowedPath: (path) => names.has(path.replace(/^\//, '')),
    index: false,
    maxAge: '1h',
  });
}
