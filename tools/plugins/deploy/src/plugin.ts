import { createNodesFromKinds } from '@customercare/nx-core/inference';
import { deployKind } from './plugins/deploy';

/** The inference of this plugin: every kind it infers from (see src/plugins/). */
export const createNodesV2 = createNodesFromKinds([deployKind]);

/** Older Nx versions look for `createNodes`; both names export the same tuple. */
export const createNodes = createNodesV2;
