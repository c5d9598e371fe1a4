// p3s workflow: GraphML DAG templates, DAG rules, execution readiness, and template → workflow.
// Pure (no I/O): callers hand in text and objects; the server and CLI do the reading and storing.

export * from './dag-render.ts';
export * from './dag-rules.ts';
export * from './dag-types.ts';
export * from './datatype.ts';
export * from './fileinfo.ts';
export * from './graphml-reader.ts';
export * from './graphml-writer.ts';
export * from './instantiate.ts';
export * from './jobinfo.ts';
export * from './readiness.ts';
