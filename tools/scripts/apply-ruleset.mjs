#!/usr/bin/env node
// Applies a repository ruleset kept in the repository (.github/rulesets/*.json) through GitHub's REST
// API: updates the ruleset of the same name, or creates it. The JSON is the API's own request body
// (https://docs.github.com/rest/repos/rules#create-a-repository-ruleset), so what is reviewed here
// is exactly what GitHub enforces.
//
//   GITHUB_TOKEN=... node tools/scripts/apply-ruleset.mjs --repo owner/name [--file .github/rulesets/main.json] [--dry-run]
//
// The token needs the repository's "Administration: write" permission (a fine-grained token or a
// GitHub App). --dry-run reads the existing rulesets when a token is set and prints what it would
// send; it never writes. GITHUB_API_URL points at GitHub Enterprise (or a test server).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { githubClient, repositoryOf } from './github-api.mjs';

export async function applyRuleset({ file, repo, token, apiUrl, dryRun, log = console.log }) {
  const ruleset = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof ruleset.name !== 'string' || !ruleset.name)
    throw new Error(`${file} has no "name": the ruleset is found on GitHub by its name.`);
  if (!token && !dryRun)
    throw new Error(
      'No token: set GITHUB_TOKEN to a token with "Administration: write" on the repository, or pass --dry-run.',
    );
  if (!token) {
    log(
      `dry run (no token, GitHub not asked): would create or update ruleset "${ruleset.name}" on ${repo} with:\n${JSON.stringify(ruleset, null, 2)}`,
    );
    return { action: 'unknown', id: null };
  }
  const github = githubClient({ apiUrl, token });
  const existing = (await github.list(`/repos/${repo}/rulesets?per_page=100&includes_parents=false`)).find(
    (r) => r.name === ruleset.name && r.source_type !== 'Organization',
  );
  const [method, path, action] = existing
    ? ['PUT', `/repos/${repo}/rulesets/${existing.id}`, 'update']
    : ['POST', `/repos/${repo}/rulesets`, 'create'];
  if (dryRun) {
    log(
      `dry run: would ${action} ruleset "${ruleset.name}" on ${repo} (${method} ${path}) with:\n${JSON.stringify(ruleset, null, 2)}`,
    );
    return { action, id: existing?.id ?? null };
  }
  const { data } = await github.request(method, path, ruleset);
  log(`${action === 'create' ? 'created' : 'updated'} ruleset "${ruleset.name}" (id ${data.id}) on ${repo}`);
  return { action, id: data.id };
}

async function main() {
  const { values } = parseArgs({
    options: {
      repo: { type: 'string' },
      file: { type: 'string', default: '.github/rulesets/main.json' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  await applyRuleset({
    file: resolve(values.file),
    repo: repositoryOf(values.repo ?? process.env.GITHUB_REPOSITORY),
    token: process.env.GITHUB_TOKEN ?? process.env.GH_TOKEN,
    apiUrl: process.env.GITHUB_API_URL,
    dryRun: values['dry-run'],
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(`apply-ruleset: ${error.message}`);
    process.exitCode = 1;
  });
}
