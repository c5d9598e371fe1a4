// Mounts the web monitor on a Fastify app, one file a page under routes/: the pages, the log
// viewer's fragments and download, the kill/retry buttons (CSRF-guarded), login and logout (the
// session cookie), and the static assets. Everything it shows comes through the MonitorApi, i.e.
// the public JSON API, called with the viewer's token: the API decides what each viewer may read and do.

import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import { registerAssets } from './routes/assets.ts';
import { registerJobActions } from './routes/job-actions.ts';
import { registerJobLog } from './routes/job-log.tsx';
import { registerLogin } from './routes/login.ts';
import { registerPages } from './routes/pages.ts';
import { type MonitorOptions, viewerKit } from './routes/viewer.tsx';
import { FORM_BODY_LIMIT } from './session.ts';

export { PAGES } from './routes/pages.ts';
export type { MonitorOptions } from './routes/viewer.tsx';

export async function registerMonitor(app: FastifyInstance, options: MonitorOptions): Promise<void> {
  // Encapsulated: the cookie plugin and the form-body parser stay out of the JSON API.
  await app.register(async (scope) => {
    await scope.register(fastifyCookie);
    await registerAssets(scope);
    // The buttons post an empty form, the login form a token and where to go next: small bodies.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
      (_req, body, done) => done(null, new URLSearchParams(String(body))),
    );
    const kit = viewerKit(options);
    registerPages(scope, kit);
    registerJobLog(scope, kit);
    registerJobActions(scope, kit);
    registerLogin(scope, kit);
  });
}
