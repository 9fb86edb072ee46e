#!/usr/bin/env -S node --initial-old-space-size=64
// --initial-old-space-size: V8 counts the bytes of Buffers (every 64 KiB of a PUT's body the HTTP
// parser copies out of the socket) against a heap limit it derives from the heap's size, and this
// server's heap is small (about 8 MiB): a PUT stream set off a full garbage collection every 20 MiB
// or so, 15 a second at one client's 1 MiB PUTs, each marking the whole heap. With an initial 64
// MiB, none in 3 s of that load; that client's PUTs went from about 210 to 280 MiB/s and peak RSS
// stayed within 2 % (docs/benchmarks.md). The old space still grows only with what lives. Node
// refuses the flag in NODE_OPTIONS: run this file as the executable (npx cache-server), or give the
// flag to node yourself (node --initial-old-space-size=64 <this file>).
//
// Runs the TypeScript source directly (compiled in memory by SWC), so a fresh clone needs only
// `npm ci`: no build step to forget before starting the server.
//
// The sources are compiled with @swc/core alone, not @swc-node/register: that one loads the
// TypeScript compiler to read tsconfig.json, which took the server's heap from 7.8 to 24.4 MiB
// (after a full collection, every source loaded). Every full garbage collection marks that heap
// again, and the collector took about a fifth of the server's CPU with 64 clients uploading at once
// (docs/benchmarks.md). tsconfig.json sets nothing that changes their JavaScript (ES2022,
// CommonJS, no path mappings, no decorators).
'use strict';
const { readFileSync } = require('node:fs');
const { join, sep } = require('node:path');

const SOURCES = join(__dirname, '..', 'src') + sep;
if (!require.extensions['.ts']) {
  const { transformSync } = require('@swc/core');
  require.extensions['.ts'] = (module, filename) => {
    if (!filename.startsWith(SOURCES)) {
      throw new Error(
        `${filename} is not a source of the cache server (${SOURCES}): bin/cache-server.js compiles only those`,
      );
    }
    const { code } = transformSync(readFileSync(filename, 'utf8'), {
      filename,
      sourceMaps: 'inline',
      module: { type: 'commonjs' },
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    });
    module._compile(code, filename);
  };
}
require('../src/cli.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
