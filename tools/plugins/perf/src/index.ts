import { createNodesFromKinds } from '@customercare/nx-core';
import { perfKind } from './plugins/perf';

/** The inference of this plugin: every kind it infers from (see src/plugins/). */
export const createNodesV2 = createNodesFromKinds([perfKind]);

/** Older Nx versions look for `createNodes`; both names export the same tuple. */
export const createNodes = createNodesV2;

/** The service lifecycle and scenario loading other plugins (dast, monitoring) start a service with. */
export { startService, type StartedService } from './executors/perf/service';
export { loadScenario, type ServiceSpec } from './executors/perf/scenario';
export { lockfileInputs } from './plugins/perf';
