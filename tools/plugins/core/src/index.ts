/**
 * @customercare/nx-core: what every CustomerCareGPT plugin shares. One process runner, one tool
 * resolver, the gates config, the reports (SARIF, JUnit, JSON, Markdown, HTML), config loading
 * with schema errors and the inference cache. Test helpers are in `@customercare/nx-core/testing`.
 */
export * from './config/lockfile-inputs';
export * from './config/pyproject';
export * from './config/uv-lock';
export * from './executors/context';
export * from './gates/load';
export * from './gates/schema-problems';
export * from './gates/types';
export * from './plugins/kind';
export * from './plugins/options';
export * from './process/project-command';
export * from './process/run';
export * from './process/run-sync';
export * from './process/start';
export * from './python/venv';
export * from './reports/findings';
export * from './reports/gate-results';
export * from './reports/html';
export * from './reports/junit';
export * from './reports/markdown';
export * from './reports/sarif';
export * from './tools/doctor';
export * from './tools/resolve';
export * from './tools/toolchain';
export * from './process/net';
