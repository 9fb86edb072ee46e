import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parsePackageList, type BaseDefinition } from './commands';

export const DEFAULT_DEFINITIONS = 'tools/base-images';

/** Every `<name>.packages` file in the definitions folder, as base definitions. */
export function readBaseDefinitions(
  workspaceRoot: string,
  folder: string,
  suite: string,
  variant: string,
): BaseDefinition[] {
  const dir = join(workspaceRoot, folder);
  if (!existsSync(dir)) {
    throw new Error(
      `No base image definitions at ${folder}: create ${folder}/<name>.packages (one Debian package per line) or set the \`definitions\` option.`,
    );
  }
  return readdirSync(dir)
    .filter((file) => file.endsWith('.packages'))
    .sort()
    .map((file) => ({
      name: basename(file, '.packages'),
      suite,
      variant,
      packages: parsePackageList(readFileSync(join(dir, file), 'utf8'), join(folder, file)),
    }));
}
