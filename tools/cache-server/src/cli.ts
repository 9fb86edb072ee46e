import { ConfigError, helpText, loadConfig, wantsHelp } from './config';
import { startCacheServer } from './start';

/** `cache-server [options]`: resolves with the exit code once the server has stopped (SIGINT/SIGTERM). */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write(`${helpText()}\n`);
    return 0;
  }
  let server;
  try {
    server = await startCacheServer(loadConfig(argv, env));
  } catch (error) {
    const prefix =
      error instanceof ConfigError ? 'cache-server: configuration error:' : 'cache-server: unable to start:';
    process.stderr.write(`${prefix} ${(error as Error).message}\n`);
    return error instanceof ConfigError ? 2 : 1;
  }
  const running = server;
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop).off('SIGTERM', stop);
      running.close().then(done, done);
    };
    process.on('SIGINT', stop).on('SIGTERM', stop);
  });
  return 0;
}
