import { createNodesFromKinds } from '@customercare/nx-core/inference';
import { pythonKind } from './plugins/python';
import { createUvLockDependencies, uvLockKind } from './plugins/uv-lock';

/** The inference of this plugin: every kind it infers from (see src/plugins/). */
export const createNodesV2 = createNodesFromKinds([pythonKind, uvLockKind]);

/** Older Nx versions look for `createNodes`; both names export the same tuple. */
export const createNodes = createNodesV2;

/** Edges Nx cannot see from files alone: Python projects to their locked PyPI packages (plugins/uv-lock.ts). */
export const createDependencies = createUvLockDependencies;
