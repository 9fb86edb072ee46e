import { createNodesFromKinds } from '@customercare/nx-core/inference';
import { containerKind } from './plugins/container';

/** The inference of this plugin: every kind it infers from (see src/plugins/). */
export const createNodesV2 = createNodesFromKinds([containerKind]);

/** Older Nx versions look for `createNodes`; both names export the same tuple. */
export const createNodes = createNodesV2;
