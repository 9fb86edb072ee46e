// The few GitHub REST API calls the repository scripts make (apply-ruleset.mjs, pr-comment.mjs):
// fetch with the token, the API version header, pagination by Link, and errors that say what to fix.
// The API root comes from GITHUB_API_URL (set on every Actions runner; GitHub Enterprise has its own).

/** A client for `apiUrl` with `token`; every call throws an Error naming the request and the fix. */
export function githubClient({ apiUrl = 'https://api.github.com', token }) {
  const root = apiUrl.replace(/\/$/, '');
  async function request(method, path, body) {
    const url = path.startsWith('http') ? path : `${root}${path}`;
    const response = await fetch(url, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'customercare-repository-scripts',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (!response.ok) {
      let message = text;
      try {
        message = JSON.parse(text).message ?? text;
      } catch {
        // not JSON: keep the text as it came
      }
      const fix =
        response.status === 401
          ? ' The token is missing or invalid: set GITHUB_TOKEN.'
          : response.status === 403 || response.status === 404
            ? " The token cannot see or change this: check the repository name and the token's permissions."
            : '';
      throw new Error(`${method} ${url} answered ${response.status}: ${message}.${fix}`);
    }
    return { data: text ? JSON.parse(text) : null, link: response.headers.get('link') };
  }
  /** Every item of a list endpoint, following rel="next". */
  async function list(path) {
    const items = [];
    for (let next = path; next; ) {
      const { data, link } = await request('GET', next);
      items.push(...data);
      next = /<([^>]+)>;\s*rel="next"/.exec(link ?? '')?.[1];
    }
    return items;
  }
  return { request, list };
}

/** `owner/name` from --repo or GITHUB_REPOSITORY, checked. */
export function repositoryOf(value) {
  if (!value || !/^[\w.-]+\/[\w.-]+$/.test(value)) {
    throw new Error(
      `No repository to act on (got ${JSON.stringify(value ?? '')}): pass --repo <owner>/<name> or set GITHUB_REPOSITORY.`,
    );
  }
  return value;
}
