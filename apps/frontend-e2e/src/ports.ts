import { execFileSync } from 'node:child_process';

/**
 * A free loopback port, chosen once per run: the value is kept in `process.env[name]`, which the
 * runner's workers inherit, so every process that loads the config agrees on it. The config
 * cannot await, hence the short synchronous child process.
 */
export function freePort(name: string): number {
  process.env[name] ??= execFileSync(
    process.execPath,
    // process.stdout.write, not console.log: under FORCE_COLOR (as in Nx tasks) console.log colours numbers.
    [
      '-e',
      "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})",
    ],
    { encoding: 'utf8' },
  );
  const port = Number(process.env[name]);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(
      `${name}=${JSON.stringify(process.env[name])} is not a TCP port; unset it to let the e2e run pick a free one.`,
    );
  }
  return port;
}
