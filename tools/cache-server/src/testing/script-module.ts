import { pathToFileURL } from 'node:url';
import { captureOk } from '@customercare/nx-core';

/**
 * Calls an export of one of the workspace's ES-module scripts (tools/scripts/*.mjs) in a child Node
 * process, with JSON arguments and result: Jest's CommonJS transform cannot import them here.
 */
export async function callScript(script: string, fn: string, ...args: unknown[]): Promise<unknown> {
  const program = `const m = await import(${JSON.stringify(pathToFileURL(script).href)});
    process.stdout.write(JSON.stringify(m[${JSON.stringify(fn)}](...JSON.parse(process.argv[1]))));`;
  const stdout = await captureOk(
    {
      label: `${fn} from ${script}`,
      command: process.execPath,
      args: ['--input-type=module', '-e', program, JSON.stringify(args)],
      cwd: '',
    },
    'It is a test of the workspace scripts: read the error above.',
  );
  return JSON.parse(stdout);
}
