import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Calls an export of one of the workspace's ES-module scripts (tools/scripts/*.mjs) in a child Node
 * process, with JSON arguments and result: Jest's CommonJS transform cannot import them here.
 */
export async function callScript(script: string, fn: string, ...args: unknown[]): Promise<unknown> {
  const program = `const m = await import(${JSON.stringify(pathToFileURL(script).href)});
    process.stdout.write(JSON.stringify(m[${JSON.stringify(fn)}](...JSON.parse(process.argv[1]))));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', program, JSON.stringify(args)]);
  return JSON.parse(stdout);
}
