// DAG rules shared by the store (advancing workflows in its transactions) and the workflow module.
export * from './dag-rules.ts';
export * from './dag-types.ts';
export * from './readiness.ts';
export * from './workflow-rules.ts';
