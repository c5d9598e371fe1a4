// p3s workflow: GraphML DAG templates (read, write, render), datatypes, and template → workflow.
// Pure (no I/O): callers hand in text and objects; the server does the storing. The DAG rules and
// readiness live in core/dag (the store applies them inside its transactions).

export * from './dag-render.ts';
export * from './datatype.ts';
export * from './fileinfo.ts';
export * from './graphml-reader.ts';
export * from './graphml-writer.ts';
export * from './instantiate.ts';
export * from './jobinfo.ts';
