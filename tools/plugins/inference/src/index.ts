/** The plugin nx.json registers: every @customercare plugin's inference in one Nx plugin worker. */
export * from './plugin';
