import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(__dirname, '..', 'bin', 'cache-server.js');

/** Runs `node -e script` with no TypeScript loader of Jest's; prints what the script writes. */
function node(script: string): string {
  return execFileSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
}

describe('bin/cache-server.js', () => {
  it('starts the server from its TypeScript sources without loading the TypeScript compiler', () => {
    const out = node(`
      process.argv = [process.argv[0], ${JSON.stringify(BIN)}, '--help'];
      const log = console.log;
      console.log = () => undefined;
      require(${JSON.stringify(BIN)});
      process.on('exit', () => {
        const loaded = Object.keys(require.cache);
        log(JSON.stringify({
          cli: loaded.some((file) => file.endsWith('/src/cli.ts')),
          typescript: loaded.some((file) => file.includes('/node_modules/typescript/')),
          exitCode: process.exitCode,
        }));
      });
    `);
    expect(JSON.parse(out.trim().split('\n').pop() as string)).toEqual({ cli: true, typescript: false, exitCode: 0 });
  });

  it('runs node with the initial old space its first line asks for when it is run as the executable', () => {
    // What `npx cache-server` does: the kernel runs the first line. A module preloaded through
    // NODE_OPTIONS prints the flags node was started with, and the size V8 was given.
    const folder = mkdtempSync(join(tmpdir(), 'cache-server-bin-'));
    const probe = join(folder, 'probe.cjs');
    writeFileSync(probe, `process.stdout.write(JSON.stringify(process.execArgv) + '\\n'); process.exit(0);`);
    let out: string;
    try {
      out = execFileSync(BIN, ['--help'], {
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: `--require ${probe}` },
      });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
    expect(JSON.parse(out.trim().split('\n')[0])).toEqual(['--initial-old-space-size=64']);
  });

  it('refuses to compile a .ts file outside its own sources', () => {
    const out = node(`
      process.argv = [process.argv[0], ${JSON.stringify(BIN)}, '--help'];
      console.log = () => undefined;
      require(${JSON.stringify(BIN)});
      try {
        require(${JSON.stringify(join(__dirname, '..', '..', 'plugins', 'core', 'src', 'index.ts'))});
      } catch (error) {
        process.stdout.write(error.message);
      }
      process.exit(0);
    `);
    expect(out).toContain('is not a source of the cache server');
  });
});
