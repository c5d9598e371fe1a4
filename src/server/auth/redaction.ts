// What a reader sees of an env: every route that returns a job's or a site's env passes it through
// here, so secret-named values reach only their owner and admins (core/env-secrets.ts decides).
// The pilot protocol's claim reply is the one place that carries them: the payload needs them.

import type { FastifyRequest } from 'fastify';
import { maySeeSecrets, maySeeSiteSecrets, redactEnv } from '../../core/index.ts';

/** A job as the request's principal may see it: its env redacted unless they own it or are an admin. */
export function jobAsSeen<J extends { user: string; env: Record<string, string> }>(
  request: FastifyRequest,
  job: J,
): J {
  if (maySeeSecrets(request.principal, job.user)) return job;
  const env = redactEnv(job.env);
  return env === job.env ? job : { ...job, env };
}

export function jobsAsSeen<J extends { user: string; env: Record<string, string> }>(
  request: FastifyRequest,
  jobs: J[],
): J[] {
  return jobs.map((job) => jobAsSeen(request, job));
}

/** A site as the request's principal may see it: its env redacted unless an admin or a pilot reads it. */
export function siteAsSeen<S extends { env: Record<string, string> }>(request: FastifyRequest, site: S): S {
  if (maySeeSiteSecrets(request.principal)) return site;
  const env = redactEnv(site.env);
  return env === site.env ? site : { ...site, env };
}
