import { artilleryEngine } from './artillery';
import type { Engine } from './engine';
import { k6Engine } from './k6';
import { nodeEngine } from './node';

/** Every engine by the name the `engine` option takes. */
export const ENGINES: Record<string, Engine> = {
  [nodeEngine.name]: nodeEngine,
  [k6Engine.name]: k6Engine,
  [artilleryEngine.name]: artilleryEngine,
};
