// p3s protocol: the HTTP contract (schemas) and a typed client. Imports only core.
export * from './client.ts';
export * from './routes.ts';
export * from './schemas/auth.ts';
export * from './schemas/common.ts';
export * from './schemas/jobs.ts';
export * from './schemas/pilots.ts';
export * from './schemas/purge.ts';
export * from './schemas/sites.ts';
export * from './schemas/stats.ts';
export * from './schemas/workers.ts';
export * from './schemas/workflows.ts';
export * from './workers-client.ts';
