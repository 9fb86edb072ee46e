/** The plugin nx.json registers: inference only (see lib.ts for what other plugins import). */
export * from './plugin';
