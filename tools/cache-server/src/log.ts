import type { LogLevel } from './config';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type Logger = (level: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>) => void;

/**
 * JSON lines: {"time", "level", "msg", ...fields}. Callers pass token *names*, never secrets or the
 * Authorization header, so logs can be shipped anywhere.
 */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  return (entryLevel, msg, fields = {}) => {
    if (ORDER[entryLevel] < ORDER[level]) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level: entryLevel, msg, ...fields })}\n`);
  };
}
