// p3s core: the pure domain. No I/O, no imports from other p3s folders.
//
// Glossary (mirrored in docs/glossary.md):
//   job       — one payload command to run, with env, priority and a time limit.
//   attempt   — one run of a job by a pilot; a retry starts the next attempt.
//   retry rule — decides whether a failed attempt is tried again, how often, when, with what.
//   pilot     — an agent on a worker node that claims jobs and runs them as subprocesses.
//   claim     — a pilot's long-polling request for its next job; atomic per job and attempt.
//   lease     — the time a pilot holds a claimed job; heartbeats extend it, the reaper ends it.
//   site      — a named group of worker nodes; a job may ask for one; its record sets pilot defaults and env.
//   retention — purging old ended records; running work is never purged.
//   timefloor — the minimum remaining pilot lifetime needed to take another job.
//   DAG       — a workflow template: vertices are jobs, edges are the files between them.
//   workflow  — an instance of a DAG: its jobs run as all their parents finish.
//   noop      — a vertex that runs nothing; it completes as soon as its parents finished.
//   dataset   — a data file: one per workflow edge, or registered on its own.
//   token     — a bearer secret with a name (the identity), one role, optional expiry and site.
//   principal — who a request is: the token's id, name, role and site.
//   payload user — the account a root pilot runs payloads as (--payload-user), apart from its own.
//   redacted  — a secret-named env value shown as <redacted> to all but its owner and admins.
//   worker    — one batch job the factory submitted to run a pilot; linked to the pilot it became.
//   factory   — the loop that submits pilots through a site's batch system where jobs wait for them.

export * from './auth.ts';
export * from './capped-log.ts';
export * from './credentials.ts';
export * from './dag/index.ts';
export * from './defaults.ts';
export * from './duration.ts';
export * from './env-secrets.ts';
export * from './errors.ts';
export * from './exposure.ts';
export * from './format.ts';
export * from './job-errors.ts';
export * from './job-fit.ts';
export * from './job-query.ts';
export * from './job-samples.ts';
export * from './job-spec.ts';
export * from './job-state.ts';
export * from './leases.ts';
export * from './limits.ts';
export * from './matching.ts';
export * from './metrics.ts';
export * from './outcome.ts';
export * from './paging.ts';
export * from './pilot-decisions.ts';
export * from './pilot-state.ts';
export * from './provisioning.ts';
export * from './provisioning-decisions.ts';
export * from './retention.ts';
export * from './retry-rule-text.ts';
export * from './retry-rules.ts';
export * from './site-spec.ts';
export * from './stats.ts';
export * from './types.ts';
export * from './version.ts';
export * from './watchdogs.ts';
export * from './why.ts';
export * from './worker-reconcile.ts';
export * from './worker-state.ts';
export * from './worker-types.ts';
export * from './workflow-types.ts';
