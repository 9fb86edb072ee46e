import { loadToolchain, type ToolSpec } from './toolchain';
import {
  findTool,
  probeVersion,
  toolFix,
  ToolError,
  versionProblem,
  wantedVersion,
  type ResolveOptions,
} from './resolve';

export interface DoctorRow {
  tool: string;
  kind: ToolSpec['kind'];
  neededBy: string[];
  wanted: string;
  found?: string;
  path?: string;
  origin?: string;
  /** ok, or what is wrong with the fix. */
  status: 'ok' | 'missing' | 'wrong version' | 'broken' | 'optional, absent';
  fix?: string;
  required: boolean;
}

/** One row per tool of tools/toolchain.json: what it must be, what was found and where, and the fix. */
export function doctorRows(options: ResolveOptions): DoctorRow[] {
  return [...loadToolchain(options.workspaceRoot).values()].map((spec) => {
    const { exact, min } = wantedVersion(spec, options.workspaceRoot);
    const row: DoctorRow = {
      tool: spec.name,
      kind: spec.kind,
      neededBy: spec.neededBy,
      wanted: exact ?? (min ? `>= ${min}` : 'any'),
      status: 'ok',
      required: spec.kind !== 'external',
    };
    let found;
    try {
      found = findTool(spec.name, options);
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      return { ...row, status: 'broken', fix: error.message };
    }
    if (!found) return { ...row, status: row.required ? 'missing' : 'optional, absent', fix: toolFix(spec) };
    Object.assign(row, { path: found.path, origin: found.origin });
    const { version, problem } = probeVersion(spec, found.path, options.workspaceRoot);
    if (!version) return { ...row, status: 'broken', fix: `${problem}. ${toolFix(spec)}` };
    row.found = version;
    const wrong = versionProblem(spec, version, options.workspaceRoot);
    return wrong ? { ...row, status: 'wrong version', fix: `${spec.name} ${wrong}. ${toolFix(spec)}` } : row;
  });
}

/** A required tool that is not ok fails the doctor (and so setup's last check). */
export const rowFails = (row: DoctorRow) => row.required && row.status !== 'ok';

/** The table as text columns, with each problem's fix below it. */
export function formatDoctor(rows: DoctorRow[]): string {
  const header = ['tool', 'kind', 'pinned', 'found', 'origin', 'path', 'status', 'needed by'];
  const cells = rows.map((r) => [
    r.tool,
    r.kind,
    r.wanted,
    r.found ?? '-',
    r.origin ?? '-',
    r.path ?? '-',
    r.status,
    r.neededBy.join('; '),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...cells.map((c) => Math.min(c[i].length, i === 7 ? 60 : 70))),
  );
  const line = (c: string[]) => c.map((cell, i) => (i === c.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ');
  const fixes = rows.filter((r) => r.fix && r.status !== 'optional, absent').map((r) => `  ${r.tool}: ${r.fix}`);
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
    ...(fixes.length > 0 ? ['', 'To fix:', ...fixes] : []),
  ].join('\n');
}

/** One line for the end of setup: counts, and the names of the tools that are not ok. */
export function formatDoctorShort(rows: DoctorRow[]): string {
  const ok = rows.filter((r) => r.status === 'ok').length;
  const failing = rows.filter(rowFails);
  const optional = rows.filter((r) => r.status === 'optional, absent').length;
  const head = `${ok} of ${rows.length} tools ok${optional ? `, ${optional} optional absent` : ''}`;
  return failing.length === 0
    ? `${head} (\`npm run doctor\` for the table)`
    : `${head}; NOT OK: ${failing.map((r) => `${r.tool} (${r.status})`).join(', ')}. Run \`npm run doctor\` for the fixes.`;
}
