/** Test helpers of the CustomerCareGPT plugins: throw-away workspaces, inference contexts, tool links. */
export * from './src/testing/files';
export * from './src/testing/python-workspace';
export * from './src/testing/toolchain';
export * from './src/testing/uv-lock-fixture';
export * from './src/testing/executor-context';
