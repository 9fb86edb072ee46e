import { createNodesFromKinds } from '@customercare/nx-core/inference';
import { packageJsonKind } from './plugins/package-json';
import { pythonScanKind } from './plugins/python-scan';

/** The inference of this plugin: every kind it infers from (see src/plugins/). */
export const createNodesV2 = createNodesFromKinds([pythonScanKind, packageJsonKind]);

/** Older Nx versions look for `createNodes`; both names export the same tuple. */
export const createNodes = createNodesV2;
