/** One nx target a workflow asks for, and where. */
export interface NxTargetUse {
  target: string;
  /** Set for `nx run <project>:<target>` and `nx <target> <project>`. */
  project?: string;
  /** "<workflow> › <job> › <step>" */
  where: string;
}

const SUBCOMMANDS_WITH_TARGETS = new Set(['affected', 'run-many']);
const OTHER_SUBCOMMANDS = new Set([
  'add',
  'connect',
  'daemon',
  'exec',
  'format',
  'format:check',
  'format:write',
  'g',
  'generate',
  'graph',
  'import',
  'init',
  'list',
  'migrate',
  'release',
  'repair',
  'report',
  'reset',
  'show',
  'sync',
  'sync:check',
  'watch',
  'view-logs',
]);

/** Splits one shell command line into words: quotes respected, no expansion (variables stay as written). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | null = null;
  let inWord = false;
  for (const char of line) {
    if (quote) {
      if (char === quote) quote = null;
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** The nx targets (and projects) named by the nx commands of a `run:` script. */
export function nxTargetsIn(script: string, where: string): NxTargetUse[] {
  const uses: NxTargetUse[] = [];
  const commands = script.replace(/\\\n/g, ' ').split(/\n|&&|\|\||;|\|/);
  for (const command of commands) {
    const words = shellWords(command.trim());
    // tools/scripts/affected.mjs takes `nx affected`'s arguments (it adds --files from uv.lock);
    // tools/scripts/ci/plan.mjs hands its --targets to `nx affected` (the sharded CI's plan).
    const wrapper = words.findIndex(
      (word) => word.endsWith('tools/scripts/affected.mjs') || word.endsWith('tools/scripts/ci/plan.mjs'),
    );
    const nx = words.findIndex((word) => word === 'nx' || word.endsWith('/nx') || word.endsWith('/nx.js'));
    if (nx < 0 && wrapper < 0) continue;
    const [subcommand, ...rest] = wrapper >= 0 ? ['affected', ...words.slice(wrapper + 1)] : words.slice(nx + 1);
    if (!subcommand || subcommand.startsWith('-')) continue;
    if (SUBCOMMANDS_WITH_TARGETS.has(subcommand)) {
      for (let i = 0; i < rest.length; i++) {
        const word = rest[i];
        const inline = /^(?:-t|--targets?)=(.+)$/.exec(word);
        if (inline) {
          inline[1].split(',').forEach((target) => uses.push({ target, where }));
        } else if (word === '-t' || word === '--target' || word === '--targets') {
          while (i + 1 < rest.length && !rest[i + 1].startsWith('-')) {
            rest[++i]
              .split(',')
              .filter(Boolean)
              .forEach((target) => uses.push({ target, where }));
          }
        }
      }
    } else if (subcommand === 'run') {
      const [project, target] = (rest[0] ?? '').split(':');
      if (project && target) uses.push({ project, target, where });
    } else if (!OTHER_SUBCOMMANDS.has(subcommand)) {
      uses.push({ target: subcommand, project: rest.find((word) => !word.startsWith('-')), where });
    }
  }
  return uses.filter((use) => !use.target.includes('$') && !use.project?.includes('$'));
}
