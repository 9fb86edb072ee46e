/**
 * What inference needs from core, and nothing else: plugins' createNodes import this subpath, so a
 * plugin worker does not load the executors' dependencies (ajv, report writers) to compute the graph.
 */
export * from './src/plugins/kind';
export * from './src/plugins/options';
export * from './src/config/pyproject';
export * from './src/config/uv-lock';
export * from './src/config/lockfile-inputs';
// Config loaders that inference runs (a deploy config's validation errors) format Ajv's errors with it.
export * from './src/gates/schema-problems';
