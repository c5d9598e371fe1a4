// p3s core: the pure domain. No I/O, no imports from other p3s folders.
//
// Glossary (mirrored in docs/glossary.md):
//   job       — one payload command to run, with env, priority and a time limit.
//   attempt   — one run of a job by a pilot; a retry starts the next attempt.
//   pilot     — an agent on a worker node that claims jobs and runs them as subprocesses.
//   claim     — a pilot's long-polling request for its next job; atomic per job and attempt.
//   lease     — the time a pilot holds a claimed job; heartbeats extend it, the reaper ends it.
//   site      — a named group of worker nodes; a job may ask for one.
//   timefloor — the minimum remaining pilot lifetime needed to take another job.

export * from './capped-log.ts';
export * from './defaults.ts';
export * from './errors.ts';
export * from './job-errors.ts';
export * from './job-query.ts';
export * from './job-spec.ts';
export * from './job-state.ts';
export * from './matching.ts';
export * from './outcome.ts';
export * from './pilot-decisions.ts';
export * from './pilot-state.ts';
export * from './types.ts';
export * from './version.ts';
