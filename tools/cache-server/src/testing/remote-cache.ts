import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { REMOTE_CACHE_SCRIPT } from './nx-workspace';

export { REMOTE_CACHE_SCRIPT };

export interface Prepared {
  env: Record<string, string | undefined>;
  warning?: string;
}

/**
 * Calls prepareRemoteCache(env) from tools/scripts/remote-cache.mjs in a child Node process, the
 * way the pipeline script imports it (it is an ES module, which jest's CommonJS runtime cannot load).
 */
export async function prepareRemoteCache(env: Record<string, string>, timeoutMs?: number): Promise<Prepared> {
  const program = `
    const { prepareRemoteCache } = await import(${JSON.stringify(pathToFileURL(REMOTE_CACHE_SCRIPT).href)});
    const env = JSON.parse(process.argv[1]);
    const options = JSON.parse(process.argv[2]);
    process.stdout.write(JSON.stringify(await prepareRemoteCache(env, options)));
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', program, JSON.stringify(env), JSON.stringify(timeoutMs ? { timeoutMs } : {})],
    { env: { PATH: process.env.PATH } },
  );
  return JSON.parse(stdout) as Prepared;
}
