#!/usr/bin/env node
// Checks the self-hosted Nx remote cache before nx runs, because Nx aborts the whole run when the
// server is down or answers 401/500: a cache outage must never fail CI or lose a result, so when
// the server is unhealthy the run goes on with the local cache only and ONE clear warning.
//
//   import { prepareRemoteCache } from './remote-cache.mjs';
//   const { env, warning } = await prepareRemoteCache(process.env);
//
//   node tools/scripts/remote-cache.mjs   # CLI: prints the verdict. On GitHub Actions, give this
//                                         # step the variables (step `env:`); it hands them on to
//                                         # the job's later steps through $GITHUB_ENV only when the
//                                         # server is healthy, else writes one ::warning::.
import { appendFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** The variables that switch Nx's self-hosted remote cache on; removed together on fallback. */
export const REMOTE_CACHE_VARIABLES = ['NX_SELF_HOSTED_REMOTE_CACHE_SERVER', 'NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN'];

/**
 * A well-formed hash (Nx's are decimal strings) that no task produces: GET must answer 404 on a
 * healthy server with a valid token.
 */
export const PROBE_HASH = '00000000000000000000';
const DEFAULT_TIMEOUT_MS = 3000;

function describeStatus(status, body) {
  const detail = body ? `: ${body.trim().slice(0, 200)}` : '';
  if (status === 401) return `it refused the access token (HTTP 401${detail}). Check NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN (the CI secret) against the server's tokens`;
  if (status === 403) return `the access token may not read (HTTP 403${detail}). Give this token the "read" scope on the server`;
  if (status >= 500) return `it failed (HTTP ${status}${detail}). See the cache server's log`;
  return `it answered HTTP ${status} instead of 404 for an unknown hash${detail}. Check that NX_SELF_HOSTED_REMOTE_CACHE_SERVER points at the cache server itself (no path)`;
}

function describeError(error, timeoutMs) {
  if (error?.name === 'TimeoutError' || error?.name === 'AbortError') return `it did not answer within ${timeoutMs} ms`;
  const cause = error?.cause;
  if (cause?.code === 'ECONNREFUSED') return 'nothing is listening there (connection refused). Start the cache server or fix the URL';
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

async function main() {
  const { env, warning } = await prepareRemoteCache(process.env);
  if (!process.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER) {
    console.log('remote cache: not configured (NX_SELF_HOSTED_REMOTE_CACHE_SERVER is unset); using the local cache only.');
    return;
  }
  const onGitHub = process.env.GITHUB_ACTIONS === 'true';
  if (!warning) {
    console.log(`remote cache: ${env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER} is healthy.`);
    // Handed on only when healthy: job-level `env:` would win over anything a step writes to
    // $GITHUB_ENV, so the workflows give the variables to this step alone.
    if (onGitHub && process.env.GITHUB_ENV) {
      const lines = REMOTE_CACHE_VARIABLES.filter((name) => env[name]).map((name) => `${name}=${env[name]}\n`);
      appendFileSync(process.env.GITHUB_ENV, lines.join(''));
    }
    return;
  }
  console.log(onGitHub ? `::warning title=Remote cache unavailable::${warning}` : `warning: ${warning}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(`remote cache check crashed: ${error?.stack ?? error}`);
    process.exit(1);
  });
}
