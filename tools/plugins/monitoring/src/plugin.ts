export { createNodes, createNodesV2 } from './plugins/plugin';
