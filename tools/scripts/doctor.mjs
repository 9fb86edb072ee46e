#!/usr/bin/env node
// `npm run doctor`: every tool of tools/toolchain.json, as the targets find it (through the one
// resolver in tools/plugins/core/src/tools/): which targets need it, the pinned version, the found
// version, where it came from, and ok or the fix. Exits 1 when a required tool is not ok.
//
//   npm run doctor             # the table
//   npm run doctor -- --short  # one line (what setup prints at its end)
//   npm run doctor -- --json   # the rows, for machines
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
require('@swc-node/register');
const { doctorRows, formatDoctor, formatDoctorShort, rowFails } = require('@customercare/nx-core/src/tools/doctor.ts');

const { values } = parseArgs({
  options: { short: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
  strict: true,
});
const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const rows = doctorRows({ workspaceRoot });
if (values.json) console.log(JSON.stringify(rows, null, 2));
else if (values.short) console.log(formatDoctorShort(rows));
else console.log(formatDoctor(rows));
process.exit(rows.some(rowFails) ? 1 : 0);
