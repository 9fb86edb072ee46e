#!/usr/bin/env node
// Checks the self-hosted Nx remote cache before nx runs, because Nx aborts the whole run when the
// server is down or answers 401/500: a cache outage must never fail CI or lose a result, so when
// the server is unhealthy the run goes on with the local cache only and ONE clear warning.
//
//   import { prepareRemoteCache, runWithRemoteCache } from './remote-cache.mjs';
//   const { env, warning } = await prepareRemoteCache(process.env);
//
//   node tools/scripts/remote-cache.mjs                          # check and say so (exit 0 either way)
//   node tools/scripts/remote-cache.mjs -- npx nx affected -t lint # run with the fallback (the workflows do)
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/** The variables that switch Nx's self-hosted remote cache on; removed together on fallback. */
export const REMOTE_CACHE_VARIABLES = [
  'NX_SELF_HOSTED_REMOTE_CACHE_SERVER',
  'NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN',
];

/**
 * A well-formed hash (Nx's are decimal strings) that no task produces: GET must answer 404 on a
 * healthy server with a valid token.
 */
export const PROBE_HASH = '00000000000000000000';
const DEFAULT_TIMEOUT_MS = 3000;

/**
 * Text the server sent, made safe to print in a GitHub Actions log: one line of at most 200
 * characters. GitHub runs any output line that starts with `::` (or the older `##[`) as a workflow
 * command (::add-mask::, ::set-output, ::error, ...), so a response must never begin a line of
 * ours: every run of white space and control characters (CR, LF, the Unicode line separators, ...)
 * becomes one space, and the text only ever follows our own words on the line.
 * https://docs.github.com/actions/reference/workflow-commands-for-github-actions
 *
 * @param {string} text
 */
export function serverText(text) {
  const line = oneLine(text);
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

/** @param {string} text */
function oneLine(text) {
  // eslint-disable-next-line no-control-regex -- the control characters are what is removed
  const controls = /[\s\u0000-\u001f\u007f-\u009f]+/g;
  return String(text).replace(controls, ' ').trim();
}

/**
 * A message as the data of a workflow command (`::warning title=...::<data>`): GitHub ends a
 * command at the end of the line, so %, CR and LF are escaped as it documents, and the message,
 * whatever it holds, stays one annotation.
 *
 * @param {string} message
 */
export function commandData(message) {
  return message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function describeStatus(status, body) {
  const detail = body && serverText(body) ? `: ${serverText(body)}` : '';
  if (status === 401)
    return `it refused the access token (HTTP 401${detail}). Check NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN (the CI secret) against the server's tokens`;
  if (status === 403)
    return `the access token may not read (HTTP 403${detail}). Give this token the "read" scope on the server`;
  if (status >= 500) return `it failed (HTTP ${status}${detail}). See the cache server's log`;
  return `it answered HTTP ${status} instead of 404 for an unknown hash${detail}. Check that NX_SELF_HOSTED_REMOTE_CACHE_SERVER points at the cache server itself (no path)`;
}

function describeError(error, timeoutMs) {
  if (error?.name === 'TimeoutError' || error?.name === 'AbortError') return `it did not answer within ${timeoutMs} ms`;
  const cause = error?.cause;
  if (cause?.code === 'ECONNREFUSED')
    return 'nothing is listening there (connection refused). Start the cache server or fix the URL';
  if (cause?.code === 'ENOTFOUND') return `the host name does not resolve (${cause.hostname ?? 'ENOTFOUND'})`;
  return `the request failed (${cause?.code ?? cause?.message ?? error?.message ?? String(error)})`;
}

/**
 * Probes NX_SELF_HOSTED_REMOTE_CACHE_SERVER (when set) with a GET of PROBE_HASH and the token,
 * exactly as Nx's client builds its URLs. 404 = healthy: `env` is returned as it is. Anything else
 * (another status, a refused connection, a timeout) = unhealthy: a copy of `env` without the
 * remote cache variables is returned, with one warning that says what failed and how to fix it.
 *
 * @param {Record<string, string | undefined>} env
 * @param {{ timeoutMs?: number }} [options] timeout also from NX_REMOTE_CACHE_PROBE_TIMEOUT_MS
 * @returns {Promise<{ env: Record<string, string | undefined>, warning?: string }>}
 */
export async function prepareRemoteCache(env, options = {}) {
  const server = env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER;
  if (!server) return { env };
  const timeoutMs = options.timeoutMs ?? (Number(env.NX_REMOTE_CACHE_PROBE_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS);
  const token = env.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN;

  let problem;
  try {
    const response = await fetch(`${server}/v1/cache/${PROBE_HASH}`, {
      headers: { Accept: 'application/octet-stream', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = response.status === 404 ? '' : await response.text().catch(() => '');
    if (response.status === 404) return { env };
    problem = describeStatus(response.status, response.headers.get('content-type')?.startsWith('text/') ? body : '');
  } catch (error) {
    problem = describeError(error, timeoutMs);
  }

  const fallback = { ...env };
  for (const name of REMOTE_CACHE_VARIABLES) delete fallback[name];
  return {
    env: fallback,
    warning:
      `Remote cache ${server} is unavailable: ${problem}. ` +
      'Running with the local cache only: every task still runs and passes or fails as usual, ' +
      'but results are neither read from nor shared with the remote cache in this run.',
  };
}

/**
 * Runs `command args` with the remote cache when the server is healthy. Nx (23.x) also aborts when
 * the server goes away *during* a run, so when the command fails and a second probe finds the
 * server unhealthy, the command runs once more without the remote cache: the tasks that finished
 * come back from the local cache, and a real failure fails again. Resolves with the exit code.
 *
 * @param {string} command
 * @param {string[]} args
 * @param {{ env?: Record<string, string | undefined>, warn?: (message: string) => void, spawnOptions?: import('node:child_process').SpawnOptions, timeoutMs?: number }} [options]
 * @returns {Promise<number>}
 */
export async function runWithRemoteCache(
  command,
  args,
  { env = process.env, warn = console.warn, spawnOptions = {}, timeoutMs } = {},
) {
  const run = (runEnv) =>
    new Promise((resolve, reject) => {
      const child = spawn(command, args, { stdio: 'inherit', ...spawnOptions, env: runEnv });
      child.once('error', (error) =>
        reject(new Error(`Unable to run ${command}: ${error.message}. Run \`npm run setup\` first.`)),
      );
      child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
  const first = await prepareRemoteCache(env, { timeoutMs });
  if (first.warning) warn(first.warning);
  const code = await run(first.env);
  if (code === 0 || first.warning) return code;
  const again = await prepareRemoteCache(env, { timeoutMs });
  if (!again.warning) return code;
  warn(
    `${again.warning} It became unavailable during the run (exit ${code}), so the command runs once more ` +
      'without it; tasks that already finished come from the local cache.',
  );
  return run(again.env);
}

const USAGE = `usage: node tools/scripts/remote-cache.mjs             check the remote cache and say so
       node tools/scripts/remote-cache.mjs -- <command...> run a command with the remote cache when it is healthy,
                                                     and once more without it if it goes away during the run`;

async function main(argv) {
  const onGitHub = process.env.GITHUB_ACTIONS === 'true';
  const warn = (message) =>
    console.log(
      onGitHub ? `::warning title=Remote cache unavailable::${commandData(message)}` : `warning: ${oneLine(message)}`,
    );
  if (argv[0] === '-h' || argv[0] === '--help') {
    console.log(USAGE);
    return 0;
  }
  if (argv[0] === '--') {
    if (!argv[1]) {
      console.error(USAGE);
      return 2;
    }
    return runWithRemoteCache(argv[1], argv.slice(2), { warn });
  }
  if (argv.length > 0) {
    console.error(`remote-cache: unknown arguments ${argv.join(' ')}\n${USAGE}`);
    return 2;
  }
  if (!process.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER) {
    console.log(
      'remote cache: not configured (NX_SELF_HOSTED_REMOTE_CACHE_SERVER is unset); using the local cache only.',
    );
    return 0;
  }
  const { warning } = await prepareRemoteCache(process.env);
  if (warning) warn(warning);
  else console.log(`remote cache: ${process.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER} is healthy.`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error(`remote-cache: ${error?.stack ?? error}`);
      process.exit(1);
    },
  );
}
