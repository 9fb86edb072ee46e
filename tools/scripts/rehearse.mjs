#!/usr/bin/env node
// The local rehearsal of the CD chain, loopback only (npm run rehearse, or scripts:rehearse in npm test;
// docs/plugins/deploy.md, "Rehearsal"):
//   loopback OCI registry (crane) -> build, image test and scan, push by digest (backend:docker --configuration=ci)
//   -> release manifest (release-manifest.mjs --verify) -> deploy that digest to local staging
//   (apps/backend/deploy.rehearsal.yml: HAProxy + Prometheus, the image pulled by digest) -> smoke
//   -> promote the same digest to a local production (requires: staging, checked in the registry's ledger tags)
//   -> a broken release (the good image plus a migration that fails on a table with rows,
//   tools/scripts/rehearsal/0002_documents_language.py, pushed as its own digest): production refuses it
//   while staging never saw it; staging (no documents) passes it; production takes the same digest, its
//   migration fails on production's documents, and production rolls it back with its data intact.
// Prints each stage's time and the digest at every stage; writes reports/rehearsal/rehearsal-report.{md,json}
// and rehearsal-junit.xml (one test case per stage, counted by npm test's summary).
// --deps-built: the caller (the scripts:rehearse target's dependsOn) built the docker target's dependencies.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
require('@swc-node/register');
const { startLocalRegistry, readReleaseManifest } = require('@customercare/nx-container/lib.ts');
const { captureOk } = require('@customercare/nx-core/src/process/run.ts');
const { executorContext } = require('@customercare/nx-core/src/testing/executor-context.ts');
const { default: deployExecutor } = require('@customercare/nx-deploy/src/executors/deploy/executor.ts');

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CONFIG = 'apps/backend/deploy.rehearsal.yml';
const WORK = join(root, 'tmp', 'rehearsal');
const REPORTS = join(root, 'reports', 'rehearsal');
const stages = [];
const started = Date.now();

function log(line) {
  process.stdout.write(`[rehearse] ${line}\n`);
}

/** Runs one stage, timed; `digest` names what the stage handled. */
async function stage(name, work) {
  const start = Date.now();
  log(`${name}...`);
  try {
    const { digest, detail } = (await work()) ?? {};
    const seconds = (Date.now() - start) / 1000;
    stages.push({ stage: name, status: 'ok', seconds, digest: digest ?? null, detail: detail ?? '' });
    log(`${name}: ok in ${seconds.toFixed(1)} s${digest ? `, digest ${digest}` : ''}${detail ? ` (${detail})` : ''}`);
  } catch (error) {
    const seconds = (Date.now() - start) / 1000;
    stages.push({ stage: name, status: 'failed', seconds, digest: null, detail: error.message });
    log(`${name}: FAILED after ${seconds.toFixed(1)} s: ${error.message}`);
    throw error;
  }
}

/** A command with inherited output; rejects on a non-zero exit. */
function run(command, args, env = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`${command} ${args.join(' ')} exited ${code}`)),
    );
  });
}

const context = executorContext(root, 'backend', 'apps/backend', 'deploy');
const deploy = (environment, manifest) => deployExecutor({ environment, config: CONFIG, manifest }, context);
const stop = (environment) => deployExecutor({ environment, config: CONFIG, stop: true }, context);
const report = (environment) =>
  JSON.parse(
    readFileSync(join(root, 'reports', 'apps', 'backend', 'deploy', environment, 'deploy-report.json'), 'utf8'),
  );

const python = join(root, '.venv', 'bin', 'python');

/** One number read from an environment's SQLite database with the workspace python (`sql` selects one value). */
async function scalar(environment, sql) {
  const out = await captureOk(
    {
      label: `read the ${environment} database`,
      command: python,
      args: [
        '-c',
        'import sqlite3,os,sys; print(sqlite3.connect(os.environ["DATA_DIR"]+"/customercare.db").execute(sys.argv[1]).fetchone()[0])',
        sql,
      ],
      cwd: root,
      env: { ...process.env, DATA_DIR: join(WORK, environment, 'data') },
    },
    'the rehearsal reads the environment database with the workspace python (npm run setup)',
  );
  return out.trim();
}
const documents = async (environment) => Number(await scalar(environment, 'select count(*) from documents'));
const schema = (environment) => scalar(environment, 'select version_num from alembic_version');

async function seed(environment) {
  mkdirSync(join(WORK, environment, 'data'), { recursive: true });
  await captureOk(
    {
      label: 'seed',
      command: python,
      args: ['-m', 'customercare', 'seed'],
      cwd: join(root, 'apps', 'backend'),
      env: { ...process.env, DATA_DIR: join(WORK, environment, 'data') },
    },
    'npm run setup',
  );
}

/**
 * A customer's message through an environment's public URL, as the widget sends it from a shop page (the seeded
 * demo widget key allows loopback origins); the conversation's id.
 */
async function chat(url, message, conversationId) {
  const answer = await fetch(`${url}/api/v1/widget/chat`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-widget-key': 'ccg_demo_widget_key',
      origin: 'http://127.0.0.1:4300',
    },
    body: JSON.stringify({ message, ...(conversationId ? { conversation_id: conversationId } : {}) }),
  });
  if (answer.status !== 200)
    throw new Error(`POST ${url}/api/v1/widget/chat: HTTP ${answer.status} ${await answer.text()}`);
  return (await answer.json()).conversation_id;
}

/**
 * The broken release: the good image plus one layer holding a migration that fails on a table with rows
 * (tools/scripts/rehearsal/0002_documents_language.py), pushed with crane append as its own digest.
 */
async function pushBrokenRelease(good) {
  const layer = join(WORK, 'broken-layer');
  // The image's venv (apps/backend/Containerfile: python3.11 from the Debian bookworm base).
  const versions = join('opt', 'venv', 'lib', 'python3.11', 'site-packages', 'customercare', 'migrations', 'versions');
  mkdirSync(join(layer, versions), { recursive: true });
  cpSync(
    join(root, 'tools', 'scripts', 'rehearsal', '0002_documents_language.py'),
    join(layer, versions, '0002_documents_language.py'),
  );
  await captureOk(
    {
      label: 'tar',
      command: 'tar',
      args: ['--create', '--file', 'layer.tar', '--owner=0', '--group=0', '--mode=a+rX', 'opt'],
      cwd: layer,
    },
    'npm run setup',
  );
  const ref = (
    await captureOk(
      {
        label: 'crane append',
        command: 'crane',
        args: [
          'append',
          '--insecure',
          '--base',
          good.image,
          '--new_layer',
          'layer.tar',
          '--new_tag',
          `${good.repository}:broken`,
        ],
        cwd: layer,
      },
      'npm run setup (tools/scripts/setup.d/65-registry.sh builds crane)',
    )
  ).trim();
  return ref.split('@')[1];
}

const PRODUCTION = 'http://127.0.0.1:8590';
const STAGING = 'http://127.0.0.1:8580';
let registry;
let good;
let broken;
const manifestFile = join(WORK, 'release-manifest.json');
const brokenFile = join(WORK, 'release-manifest.broken.json');
let failed;
let cleaning;

/** Stops everything the rehearsal started: both environments (HAProxy, Prometheus, containers) and the registry. */
function cleanup() {
  cleaning ??= (async () => {
    for (const environment of ['staging', 'production']) await stop(environment).catch(() => undefined);
    await registry?.stop();
  })();
  return cleaning;
}
// A cancelled run (Ctrl-C, nx or CI stopping the task) still leaves nothing running.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: stopping the environments and the registry`);
    void cleanup().finally(() => process.exit(130));
  });
}

try {
  for (const environment of ['staging', 'production']) await stop(environment).catch(() => undefined);
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });

  await stage('loopback registry', async () => {
    registry = await startLocalRegistry({ disk: join(WORK, 'registry') });
    return { detail: `crane registry serve on ${registry.address}` };
  });
  const registryEnv = { CONTAINER_REGISTRY: `${registry.address}/rehearsal`, CONTAINER_REGISTRY_TLS_VERIFY: 'false' };

  await stage('build, image test and scan, push by digest', async () => {
    const depsBuilt = process.argv.includes('--deps-built') ? ['--excludeTaskDependencies'] : [];
    await run('npx', ['nx', 'run', 'backend:docker', '--configuration=ci', '--skip-nx-cache', ...depsBuilt], {
      ...registryEnv,
      NX_DAEMON: 'false',
      NX_TUI: 'false',
    });
    const image = JSON.parse(readFileSync(join(root, 'reports', 'apps', 'backend', 'docker', 'image.json'), 'utf8'));
    const test = JSON.parse(
      readFileSync(join(root, 'reports', 'apps', 'backend', 'docker', 'image-test.json'), 'utf8'),
    );
    const vulnerabilities =
      test.vulnerabilities?.status === 'not run'
        ? `trivy not run: ${test.vulnerabilities.reason}`
        : `trivy ${test.vulnerabilities?.status}`;
    return {
      digest: image.pushed?.digest,
      detail: `${image.pushed?.repository}; image secrets found: ${test.secrets?.length ?? 'n/a'}; ${vulnerabilities}`,
    };
  });

  await stage('release manifest', async () => {
    // The gates of this rehearsal only (the docker target's), not every report a shared workspace holds.
    const reports = join(WORK, 'reports');
    cpSync(join(root, 'reports', 'apps', 'backend', 'docker'), join(reports, 'apps', 'backend', 'docker'), {
      recursive: true,
    });
    await run(
      'node',
      [
        'tools/scripts/release-manifest.mjs',
        '--projects',
        'backend',
        '--reports',
        reports,
        '--out',
        manifestFile,
        '--verify',
      ],
      registryEnv,
    );
    good = readReleaseManifest(manifestFile).projects.backend;
    return { digest: good.digest, detail: good.image };
  });

  await stage('deploy the digest to staging', async () => {
    const { success } = await deploy('staging', manifestFile);
    const r = report('staging');
    if (!success || r.candidate?.version !== good.digest)
      throw new Error(`staging: ${r.outcome} with ${r.candidate?.version}`);
    return { digest: r.candidate.version, detail: `${r.outcome} on ${STAGING}` };
  });

  await stage('smoke on staging', async () => {
    for (const path of ['/health', '/ready', '/api/v1/embed/widget.js']) {
      const answer = await fetch(`${STAGING}${path}`);
      if (answer.status !== 200) throw new Error(`${path}: HTTP ${answer.status}`);
    }
    return { digest: good.digest, detail: '/health, /ready, /api/v1/embed/widget.js: 200' };
  });

  await stage('promote the same digest to production', async () => {
    // Production has customers' data: the seeded workspace (documents, the demo widget key).
    await seed('production');
    const { success } = await deploy('production', manifestFile);
    const r = report('production');
    if (!success || r.candidate?.version !== good.digest)
      throw new Error(`production: ${r.outcome} with ${r.candidate?.version}`);
    return {
      digest: r.candidate.version,
      detail: `${r.outcome} on ${PRODUCTION}; ${await documents('production')} documents`,
    };
  });

  await stage('a broken release: its own digest', async () => {
    const digest = await pushBrokenRelease(good);
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    manifest.projects.backend = {
      ...manifest.projects.backend,
      image: `${good.repository}@${digest}`,
      digest,
      tags: [`${good.repository}:broken`],
    };
    writeFileSync(brokenFile, `${JSON.stringify(manifest, null, 2)}\n`);
    broken = manifest.projects.backend;
    return {
      digest,
      detail: 'the good image plus a migration adding a NOT NULL column without a default (fails on a table with rows)',
    };
  });

  await stage('production refuses the broken digest (staging never passed it)', async () => {
    const refused = await deploy('production', brokenFile).then(
      () => undefined,
      (error) => error.message,
    );
    if (!refused?.includes('never passed staging'))
      throw new Error(`production did not refuse it: ${refused ?? 'it deployed'}`);
    return { digest: broken.digest, detail: refused.split('. ')[0] };
  });

  await stage('staging passes the broken digest (its database has no documents)', async () => {
    const rows = await documents('staging');
    const { success } = await deploy('staging', brokenFile);
    const r = report('staging');
    if (!success || r.candidate?.version !== broken.digest)
      throw new Error(`staging: ${r.outcome} with ${r.candidate?.version}`);
    return {
      digest: r.candidate.version,
      detail: `${r.outcome}: ${rows} documents, so the migration had no row to fill; schema now ${await schema('staging')}`,
    };
  });

  await stage('production rolls the broken digest back, data intact', async () => {
    // A conversation written through production's public URL before the deploy: it must survive.
    const conversation = await chat(PRODUCTION, 'Where is my order? (written before the broken deploy)');
    const messages = `select count(*) from messages where conversation_id = '${conversation}'`;
    const before = { documents: await documents('production'), messages: Number(await scalar('production', messages)) };
    const { success } = await deploy('production', brokenFile);
    const r = report('production');
    const after = { documents: await documents('production'), messages: Number(await scalar('production', messages)) };
    if (success || r.outcome !== 'rolled-back' || r.rollback?.to !== good.digest)
      throw new Error(`production: ${r.outcome}, rolled back to ${r.rollback?.to ?? 'nothing'}`);
    if (after.documents !== before.documents || after.messages !== before.messages)
      throw new Error(
        `production's data changed: documents ${before.documents} -> ${after.documents}, messages ${before.messages} -> ${after.messages}`,
      );
    // The same conversation goes on through the public URL (a lost one answers 404).
    await chat(PRODUCTION, 'Is it shipped yet? (after the rollback)', conversation);
    return {
      digest: broken.digest,
      detail: `${r.outcome} in ${r.failure?.phase}, back on ${r.rollback.to}; documents ${before.documents} -> ${after.documents}, conversation ${conversation.slice(0, 8)}… ${before.messages} -> ${after.messages} messages and answering again; schema ${await schema('production')}; data: ${r.data?.restore?.detail ?? 'no restore recorded'}`,
    };
  });

  await stage('production serves the good digest', async () => {
    const answer = await fetch(`${PRODUCTION}/ready`);
    if (answer.status !== 200) throw new Error(`HTTP ${answer.status}`);
    const state = JSON.parse(readFileSync(join(WORK, 'deploy', 'production', 'state.json'), 'utf8'));
    // The live slot is the one HAProxy sends all traffic to.
    const live = state.live ? state.slots?.[state.live] : undefined;
    if (live?.version !== good.digest) throw new Error(`production's live slot runs ${live?.version ?? 'nothing'}`);
    return {
      digest: live.version,
      detail: `live slot ${state.live}, /ready 200; ${await documents('production')} documents`,
    };
  });
} catch (error) {
  failed = error;
} finally {
  await cleanup();
  const total = (Date.now() - started) / 1000;
  const goodStages = stages.filter((s) => s.status === 'ok' && s.digest && s.digest !== broken?.digest);
  const result = {
    passed: !failed,
    totalSeconds: total,
    digest: good?.digest ?? null,
    brokenDigest: broken?.digest ?? null,
    oneDigestFromBuildToProduction:
      !!good &&
      goodStages.some((s) => s.stage === 'production serves the good digest') &&
      goodStages.every((s) => s.digest === good.digest),
    stages,
  };
  mkdirSync(REPORTS, { recursive: true });
  writeFileSync(join(REPORTS, 'rehearsal-report.json'), `${JSON.stringify(result, null, 2)}\n`);
  const md = [
    `# CD rehearsal: ${result.passed ? 'passed' : 'FAILED'} in ${total.toFixed(0)} s`,
    '',
    `Release digest: \`${result.digest ?? 'none'}\`; one digest from build to production: ${result.oneDigestFromBuildToProduction ? 'yes' : 'no'}. Broken release: \`${result.brokenDigest ?? 'none'}\`.`,
    '',
    '| Stage | Status | Seconds | Digest | Detail |',
    '|---|---|---|---|---|',
    ...stages.map(
      (s) =>
        `| ${s.stage} | ${s.status} | ${s.seconds.toFixed(1)} | ${s.digest ? `\`${s.digest.slice(0, 19)}…\`` : ''} | ${s.detail.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`,
    ),
  ].join('\n');
  writeFileSync(join(REPORTS, 'rehearsal-report.md'), `${md}\n`);
  writeFileSync(join(REPORTS, 'rehearsal-junit.xml'), junit(result));
  log(`report: reports/rehearsal/rehearsal-report.md (${total.toFixed(0)} s in all)`);
  if (existsSync(join(REPORTS, 'rehearsal-report.md'))) process.stdout.write(`${md}\n`);
  process.exit(failed || !result.oneDigestFromBuildToProduction ? 1 : 0);
}

/** One JUnit test case per stage, and one for the single digest, so npm test's summary counts the rehearsal. */
function junit(result) {
  const xml = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const cases = [
    ...result.stages.map((s) => ({ name: s.stage, seconds: s.seconds, failure: s.status === 'ok' ? '' : s.detail })),
    {
      name: 'one digest from build to production',
      seconds: 0,
      failure: result.oneDigestFromBuildToProduction ? '' : `not one digest (release ${result.digest ?? 'none'})`,
    },
  ];
  const failures = cases.filter((c) => c.failure).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="rehearsal" tests="${cases.length}" failures="${failures}" time="${result.totalSeconds.toFixed(1)}">`,
    `  <testsuite name="CD rehearsal" tests="${cases.length}" failures="${failures}" time="${result.totalSeconds.toFixed(1)}">`,
    ...cases.map((c) =>
      c.failure
        ? `    <testcase classname="rehearsal" name="${xml(c.name)}" time="${c.seconds.toFixed(1)}"><failure message="${xml(c.failure.split('\n')[0])}">${xml(c.failure)}</failure></testcase>`
        : `    <testcase classname="rehearsal" name="${xml(c.name)}" time="${c.seconds.toFixed(1)}"/>`,
    ),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
