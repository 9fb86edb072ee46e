import type { SmokeTest } from './config';

export interface ProbeResult {
  check: string;
  url: string;
  passed: boolean;
  detail: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function request(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: string } | { error: string }> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { error: cause ?? (error as Error).message };
  }
}

/**
 * Polls every health path until all answer 2xx, or the timeout passes. A release that never
 * becomes healthy fails with the last status seen, so the report says what was observed. `gone`
 * (the provider's `exited`) says why the release no longer runs: then the wait ends at once, not
 * after the whole timeout.
 */
export async function waitHealthy(
  baseUrl: string,
  paths: readonly string[],
  timeoutMs: number,
  pollMs = 250,
  gone?: () => string | null,
): Promise<ProbeResult[]> {
  const deadline = Date.now() + timeoutMs;
  const results: ProbeResult[] = [];
  for (const path of paths) {
    const url = new URL(path, baseUrl).toString();
    let last = 'no answer';
    let passed = false;
    let exited: string | null = null;
    for (;;) {
      const answer = await request(url);
      if ('status' in answer && answer.status >= 200 && answer.status < 300) {
        passed = true;
        last = `HTTP ${answer.status}`;
        break;
      }
      last = 'status' in answer ? `HTTP ${answer.status}: ${answer.body.slice(0, 200)}` : answer.error;
      exited = gone?.() ?? null;
      if (exited !== null || Date.now() >= deadline) break;
      await sleep(pollMs);
    }
    results.push({
      check: `health ${path}`,
      url,
      passed,
      detail: passed
        ? last
        : exited !== null
          ? `exited before it became healthy (last answer: ${last}): ${exited}`
          : `not healthy after ${timeoutMs} ms; last answer: ${last}`,
    });
    if (!passed) break;
  }
  return results;
}

/** Runs each smoke test once against a release's own URL. */
export async function runSmokeTests(baseUrl: string, tests: readonly SmokeTest[]): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  for (const test of tests) {
    const url = new URL(test.path, baseUrl).toString();
    const method = test.method ?? 'GET';
    const expected = test.status ?? 200;
    const answer = await request(url, {
      method,
      body: test.body,
      headers: test.body ? { 'content-type': 'application/json' } : undefined,
    });
    let detail: string;
    let passed = false;
    if ('error' in answer) detail = `request failed: ${answer.error}`;
    else if (answer.status !== expected) detail = `HTTP ${answer.status}, expected ${expected}`;
    else if (test.contains && !answer.body.includes(test.contains))
      detail = `body does not contain ${JSON.stringify(test.contains)}`;
    else {
      passed = true;
      detail = `HTTP ${answer.status}`;
    }
    results.push({ check: `smoke ${method} ${test.path}`, url, passed, detail });
  }
  return results;
}
