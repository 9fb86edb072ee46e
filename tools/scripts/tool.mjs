#!/usr/bin/env node
// The checked path of one tool, for shell scripts (bench/, setup): the same resolver the targets use.
//   k6=$(node tools/scripts/tool.mjs k6) || exit 1
// Prints the absolute path and exits 0, or prints what is wrong with the fix and exits 1.
import { toolPath } from './workspace-tools.mjs';

const names = process.argv.slice(2);
if (names.length === 0) {
  console.error('usage: node tools/scripts/tool.mjs <tool> [<tool>...]   (tools are listed in tools/toolchain.json)');
  process.exit(2);
}
let failed = false;
for (const name of names) {
  try {
    console.log(toolPath(name));
  } catch (error) {
    console.error(`error: ${error.message}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
