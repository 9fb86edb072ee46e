#!/usr/bin/env node
// The checked path of one tool, for shell scripts (bench/, setup): the same resolver the targets use.
//   k6=$(node tools/scripts/tool.mjs k6) || exit 1
// Prints the absolute path and exits 0, or prints what is wrong with the fix and exits 1.
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
require('@swc-node/register');
const { resolveTool } = require('@customercare/nx-pipeline/src/tools/resolve.ts');

const names = process.argv.slice(2);
if (names.length === 0) {
  console.error('usage: node tools/scripts/tool.mjs <tool> [<tool>...]   (tools are listed in tools/toolchain.json)');
  process.exit(2);
}
const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let failed = false;
for (const name of names) {
  try {
    console.log(resolveTool(name, { workspaceRoot }).path);
  } catch (error) {
    console.error(`error: ${error.message}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
