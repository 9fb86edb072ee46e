import type { DastConfig } from './config';

export class SignInError extends Error {
  override name = 'SignInError';
}

/**
 * The headers every scanner sends: the config's static ones (a widget key, an allowed Origin) and,
 * when it says how, an admin token from signing in once against the started service.
 */
export async function signIn(baseUrl: string, auth: DastConfig['auth']): Promise<Record<string, string>> {
  const headers = { ...auth.headers };
  const login = auth.login;
  if (!login) return headers;
  const response = await fetch(baseUrl + login.path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth.headers },
    body: JSON.stringify(login.json),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new SignInError(
      `Signing in at ${login.path} answered ${response.status}: ${text.slice(0, 300)}. Check auth.login in dast.yml against what the service's seed command creates.`,
    );
  }
  let token: unknown;
  try {
    token = (JSON.parse(text) as Record<string, unknown>)[login.tokenField];
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || token === '') {
    throw new SignInError(
      `Signing in at ${login.path} answered without a \`${login.tokenField}\` string field; set auth.login.tokenField in dast.yml to the field that holds the token.`,
    );
  }
  headers[login.header] = `${login.prefix}${token}`;
  return headers;
}
