// The store subsystem's public face: the Store interface and the function that opens one.

export type * from './auth-store.ts';
export type * from './availability.ts';
export type * from './idempotency-queries.ts';
export { type OpenStoreOptions, openStore } from './open-store.ts';
export type * from './retention-store.ts';
export type * from './site-store.ts';
export type * from './stats-store.ts';
export type * from './store.ts';
export type * from './store-health.ts';
export type * from './worker-store.ts';
export type * from './workflow-store.ts';
