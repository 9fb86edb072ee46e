import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ToolNotFoundError } from './run';
import { isAlive, startProcess, stopProcessGroup, type StartedProcess } from './start';

const node = process.execPath;
const script = (source: string, env?: NodeJS.ProcessEnv) => ({
  label: 'script',
  command: node,
  args: ['-e', source],
  cwd: '',
  env,
});
/** Starts a grandchild that lives until killed and prints its pid, then waits forever itself. */
const PARENT_OF_SLEEPER = `
const { spawn } = require('node:child_process');
const sleeper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
console.log('grandchild ' + sleeper.pid);
setInterval(() => {}, 1000);
`;

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await sleep(50);
  expect(check()).toBe(true);
}

describe('startProcess', () => {
  const started: StartedProcess[] = [];
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'start-process-'))));
  afterEach(async () => {
    await Promise.all(started.splice(0).map((p) => p.stop('SIGKILL', 0)));
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async (...args: Parameters<typeof startProcess>) => {
    const handle = await startProcess(...args);
    started.push(handle);
    return handle;
  };

  it('passes the environment, keeps the output tail redacted, and resolves exited with one ToolResult', async () => {
    const handle = await start(
      script(`console.log('token ' + process.env.GIVEN); console.error('on stderr'); process.exit(3)`, {
        GIVEN: 's3cr3t-value',
      }),
      { output: 'capture', secrets: ['s3cr3t-value'] },
    );
    expect(handle.pid).toBeGreaterThan(0);
    expect(process.env.GIVEN).toBeUndefined();
    const result = await handle.exited;
    expect(result).toMatchObject({ label: 'script', exitCode: 3, timedOut: false, stdout: 'token ***\n' });
    expect(result.stderrTail).toBe('on stderr');
    expect(handle.tail()).toBe('token ***\non stderr');
    expect(handle.result()).toBe(result);
  });

  it('appends both streams to a log file, which tail() reads', async () => {
    const log = join(dir, 'logs', 'service.log');
    const handle = await start(script(`console.log('out'); console.error('err')`), { output: { file: log } });
    await handle.exited;
    const again = await start(script(`console.log('second run')`), { output: { file: log } });
    await again.exited;
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean).sort()).toEqual(['err', 'out', 'second run']);
    expect(again.tail(1)).toBe('second run');
  });

  it('stop() ends the whole process group, the grandchildren too', async () => {
    const handle = await start(script(PARENT_OF_SLEEPER), { output: 'capture' });
    await until(() => /grandchild \d+/.test(handle.tail()));
    const grandchild = Number(/grandchild (\d+)/.exec(handle.tail())?.[1]);
    expect(isAlive(grandchild)).toBe(true);
    const result = await handle.stop();
    expect(result.signal).toBe('SIGTERM');
    await until(() => !isAlive(grandchild));
    // Twice is fine, and gives the same result.
    expect(await handle.stop()).toBe(result);
  });

  it('SIGKILLs a process that ignores the stop signal once the grace period is over', async () => {
    const handle = await start(
      script(`process.on('SIGTERM', () => console.log('ignored')); console.log('ready'); setInterval(() => {}, 1000)`),
      {
        output: 'capture',
      },
    );
    await until(() => handle.tail().includes('ready'));
    const result = await handle.stop('SIGTERM', 300);
    expect(result.signal).toBe('SIGKILL');
    expect(handle.tail()).toContain('ignored');
  });

  it('kills the group when this process exits, and stops it (then leaves the signal to its handlers) on Ctrl-C', async () => {
    const before = process.listeners('exit');
    const handle = await start(script(PARENT_OF_SLEEPER), { output: 'capture' });
    const onExit = process.listeners('exit').find((listener) => !before.includes(listener));
    expect(onExit).toBeDefined();
    (onExit as () => void)();
    expect((await handle.exited).signal).toBe('SIGKILL');
    expect(process.listeners('exit')).toEqual(before);

    const beforeInt = process.listeners('SIGINT');
    const interrupted = await start(script(PARENT_OF_SLEEPER), { output: 'capture' });
    await until(() => /grandchild \d+/.test(interrupted.tail()));
    const grandchild = Number(/grandchild (\d+)/.exec(interrupted.tail())?.[1]);
    const onInt = process.listeners('SIGINT').find((listener) => !beforeInt.includes(listener));
    // Another handler of SIGINT (jest's worker has none): ours must then not re-raise it.
    const other = () => undefined;
    process.on('SIGINT', other);
    try {
      (onInt as (signal: NodeJS.Signals) => void)('SIGINT');
      expect((await interrupted.exited).signal).toBe('SIGTERM');
      await until(() => !isAlive(grandchild));
    } finally {
      process.off('SIGINT', other);
    }
  });

  it('with outlive, leaves the process running past this one; stopProcessGroup stops it later by pid', async () => {
    const before = process.listeners('exit').length;
    const handle = await startProcess(script(PARENT_OF_SLEEPER), {
      output: { file: join(dir, 'daemon.log') },
      outlive: true,
    });
    try {
      expect(process.listeners('exit')).toHaveLength(before);
      await until(() => /grandchild \d+/.test(handle.tail()));
      const grandchild = Number(/grandchild (\d+)/.exec(handle.tail())?.[1]);
      await stopProcessGroup(handle.pid, 'SIGTERM', 2000);
      await until(() => !isAlive(handle.pid) && !isAlive(grandchild));
    } finally {
      await handle.stop('SIGKILL', 0);
    }
  });

  it('rejects with the fix when the executable does not exist, or is not a toolchain tool', async () => {
    const missing = join(dir, 'no-such-service');
    await expect(
      startProcess({ label: 'the service', command: missing, args: [], cwd: '' }, { fix: 'Check service.command.' }),
    ).rejects.toThrow(
      new ToolNotFoundError(`Unable to run the service: ${missing} was not found. Check service.command.`),
    );
    await expect(startProcess({ label: 'x', command: 'no-such-tool-anywhere', args: [], cwd: '' })).rejects.toThrow(
      'No tool "no-such-tool-anywhere" in tools/toolchain.json',
    );
    const notExecutable = join(dir, 'plain.txt');
    writeFileSync(notExecutable, 'not a program');
    await expect(startProcess({ label: 'plain', command: notExecutable, args: [], cwd: '' })).rejects.toThrow(
      /Unable to run plain .*EACCES/,
    );
  });
});
