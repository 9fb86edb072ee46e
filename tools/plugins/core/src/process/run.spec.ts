import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectExecutable } from './project-command';
import { runTool, ToolNotFoundError } from './run';
import { runToolSync } from './run-sync';

const node = process.execPath;
const script = (source: string, env?: NodeJS.ProcessEnv) => ({
  label: 'script',
  command: node,
  args: ['-e', source],
  cwd: '',
  env,
});

describe('runTool', () => {
  it('hands every piece of captured output to onOutput in order, redacted, and keeps it in the result', async () => {
    const seen: string[] = [];
    const result = await runTool(
      script(`console.log('one ' + process.env.KEY); setTimeout(() => { console.error('two'); }, 50)`, {
        KEY: 'hidden-key',
      }),
      {
        stdout: 'capture',
        stderr: 'capture',
        secrets: ['hidden-key'],
        onOutput: (text, stream) => seen.push(`${stream}: ${text.trim()}`),
      },
    );
    expect(seen).toEqual(['stdout: one ***', 'stderr: two']);
    expect(result).toMatchObject({ exitCode: 0, stdout: 'one ***\n', stderr: 'two\n' });
  });

  it('sends abortWith to the process group when the signal aborts', async () => {
    const controller = new AbortController();
    const running = runTool(
      script(
        `process.on('SIGINT', () => { console.log('stopping cleanly'); process.exit(7) }); console.log('ready'); setInterval(() => {}, 1000)`,
      ),
      {
        stdout: 'capture',
        signal: controller.signal,
        abortWith: 'SIGINT',
        onOutput: (text) => text.includes('ready') && controller.abort(),
      },
    );
    expect(await running).toMatchObject({ exitCode: 7, stdout: 'ready\nstopping cleanly\n' });
  });
});

describe('runToolSync', () => {
  it('returns the same ToolResult: exit code, captured and redacted output, stdin and environment', () => {
    const result = runToolSync(
      script(
        `let input = ''; process.stdin.on('data', (c) => (input += c)).on('end', () => { console.log(input + ' ' + process.env.EXTRA); console.error('warn'); process.exit(2) })`,
        { EXTRA: 'extra-secret' },
      ),
      { input: 'from stdin', secrets: ['extra-secret'] },
    );
    expect(result).toEqual({
      label: 'script',
      exitCode: 2,
      signal: undefined,
      timedOut: false,
      stdout: 'from stdin ***\n',
      stderr: 'warn\n',
      stderrTail: 'warn',
    });
  });

  it('says timedOut when the tool runs past timeoutMs, and throws with the fix when it cannot start', () => {
    expect(runToolSync(script('setInterval(() => {}, 1000)'), { timeoutMs: 300 })).toMatchObject({
      timedOut: true,
      signal: 'SIGTERM',
    });
    expect(() =>
      runToolSync({ label: 'probe', command: '/nonexistent/tool', args: [], cwd: '' }, { fix: 'Install it.' }),
    ).toThrow(new ToolNotFoundError('Unable to run probe: /nonexistent/tool was not found. Install it.'));
  });
});

describe('projectExecutable', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'project-command-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("finds a project's command in the given folders first, node as this Node, paths as they are; never PATH", () => {
    const bin = join(dir, '.venv', 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'python'), '#!/bin/sh\n');
    chmodSync(join(bin, 'python'), 0o755);
    expect(projectExecutable('python', { cwd: dir, folders: [bin] })).toBe(join(bin, 'python'));
    expect(projectExecutable('node', { cwd: dir })).toBe(node);
    expect(projectExecutable('./serve.sh', { cwd: dir })).toBe(join(dir, 'serve.sh'));
    expect(projectExecutable('/opt/x/serve', { cwd: dir })).toBe('/opt/x/serve');
    // sh is in the system folders whatever PATH says.
    expect(projectExecutable('sh', { cwd: dir, folders: [bin] })).toMatch(/^\/(usr\/)?bin\/sh$/);
  });

  it('names where it looked and the fix when the command is nowhere', () => {
    const bin = join(dir, '.venv', 'bin');
    expect(() => projectExecutable('no-such-server', { cwd: dir, folders: [bin], what: 'the service' })).toThrow(
      `Unable to run the service: no-such-server is not in ${bin}, /usr/local/sbin, /usr/local/bin, /usr/sbin, /usr/bin, /sbin, /bin. Run \`npm run setup\` (it creates .venv with the project), or give the command as an absolute path.`,
    );
  });
});
