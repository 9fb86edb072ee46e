#!/usr/bin/env node
// Builds native/sendfile.c (the GETs' sendfile path, see src/sendfile.ts, and the uploads' syncfs
// for group commit, src/storage/group-commit.ts) against the headers of
// the Node.js that runs this script, into native/build/sendfile-<platform>-<arch>-node<ABI>.node.
//
//   node tools/cache-server/scripts/build-native.mjs [--cc <C compiler>] [--force]
//
// The compiler is --cc, else $CC, else `cc` (npm run setup passes the one the workspace's tool
// resolver finds). The headers are $NODE_HEADERS, else <node's prefix>/include/node (Node's own
// tarballs, actions/setup-node and NodeSource's packages ship them there). Linux only: elsewhere it
// says so and exits 0, and the server sends GETs through user space. Up to date: prints nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const source = resolve(here, '..', 'native', 'sendfile.c');
const output = resolve(
  here,
  '..',
  'native',
  'build',
  `sendfile-${process.platform}-${process.arch}-node${process.versions.modules}.node`,
);

const fail = (message) => {
  console.error(`build-native: error: ${message}`);
  process.exit(1);
};

let values;
try {
  ({ values } = parseArgs({ options: { cc: { type: 'string' }, force: { type: 'boolean' } }, strict: true }));
} catch (error) {
  fail(`${error.message}. Usage: node tools/cache-server/scripts/build-native.mjs [--cc <C compiler>] [--force]`);
}

if (process.platform !== 'linux') {
  console.log(`build-native: sendfile is Linux only (this is ${process.platform}); the cache server streams GETs.`);
  process.exit(0);
}
if (!values.force && existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs) process.exit(0);

const headers = process.env.NODE_HEADERS || resolve(dirname(process.execPath), '..', 'include', 'node');
const missing = ['node_api.h', 'uv.h'].filter((name) => !existsSync(join(headers, name)));
if (missing.length > 0) {
  fail(
    `Node's headers are not in ${headers} (no ${missing.join(', ')}). Install Node ${process.version} from ` +
      "nodejs.org's tarball, actions/setup-node or NodeSource (they include them), or set NODE_HEADERS to the " +
      `include/node folder of exactly ${process.version}.`,
  );
}

const cc = values.cc || process.env.CC || 'cc';
const partial = `${output}.${process.pid}.tmp`;
mkdirSync(dirname(output), { recursive: true });
console.log(`build-native: compiling ${source} with ${cc} against ${headers} (Node ${process.version})`);
const result = spawnSync(cc, ['-O2', '-Wall', '-Wextra', '-fPIC', '-shared', `-I${headers}`, '-o', partial, source], {
  stdio: 'inherit',
});
if (result.error || result.status !== 0) {
  rmSync(partial, { force: true });
  fail(
    result.error?.code === 'ENOENT'
      ? `no C compiler at "${cc}": install one (apt-get install gcc libc6-dev) or pass --cc <path>.`
      : `${cc} failed${result.error ? `: ${result.error.message}` : ` (exit ${result.status})`}; see its messages above.`,
  );
}
// Renamed into place whole: a server starting meanwhile finds the old addon or the new one.
renameSync(partial, output);
console.log(`build-native: built ${output}`);
