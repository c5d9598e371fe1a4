// p3s protocol: the HTTP contract (schemas) and a typed client. Imports only core.
export * from './client.ts';
export * from './routes.ts';
export * from './schemas/common.ts';
export * from './schemas/jobs.ts';
export * from './schemas/pilots.ts';
