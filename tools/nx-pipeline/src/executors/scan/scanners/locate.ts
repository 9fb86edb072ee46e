import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Finds an executable in the given folders, then on PATH. Returns undefined when it is nowhere,
 * so the adapter can say "not run: <tool> is not installed" instead of failing to spawn.
 */
export function locateTool(name: string, folders: readonly string[]): string | undefined {
  const path = process.env['PATH'] ?? '';
  for (const folder of [...folders, ...path.split(delimiter).filter(Boolean)]) {
    const candidate = join(folder, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}
