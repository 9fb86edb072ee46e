#!/usr/bin/env node
// Runs the TypeScript source directly (compiled in memory by SWC), so a fresh clone needs only
// `npm ci`: no build step to forget before starting the server.
'use strict';
const { join } = require('node:path');

process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || join(__dirname, '..', 'tsconfig.json');
require('@swc-node/register');
require('../src/cli.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
