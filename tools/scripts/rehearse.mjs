#!/usr/bin/env node
// The local rehearsal of the CD chain, loopback only (npm run rehearse; docs/plugins/deploy.md, "CD chain"):
//   loopback OCI registry (crane) -> build, image test and scan, push by digest (backend:docker --configuration=ci)
//   -> release manifest (release-manifest.mjs --verify) -> deploy that digest to local staging
//   (apps/backend/deploy.rehearsal.yml: HAProxy + Prometheus, the image pulled by digest) -> smoke
//   -> promote the same digest to a local production (requires: staging, checked in the registry's ledger tags)
//   -> a broken release (the same image with a bad DATABASE_URL, pushed as its own digest): production
//   refuses it (staging never passed it), staging rolls it back with its data intact.
// Prints each stage's time and the digest at every stage; writes reports/rehearsal/rehearsal-report.{md,json}.
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

async function documents(environment) {
  const out = await captureOk(
    {
      label: 'count documents',
      command: join(root, '.venv', 'bin', 'python'),
      args: [
        '-c',
        'import sqlite3,os; print(sqlite3.connect(os.environ["DATA_DIR"]+"/customercare.db").execute("select count(*) from documents").fetchone()[0])',
      ],
      cwd: root,
      env: { ...process.env, DATA_DIR: join(WORK, environment, 'data') },
    },
    'the rehearsal reads the environment database with the workspace python (npm run setup)',
  );
  return Number(out.trim());
}

async function seed(environment) {
  mkdirSync(join(WORK, environment, 'data'), { recursive: true });
  await captureOk(
    {
      label: 'seed',
      command: join(root, '.venv', 'bin', 'python'),
      args: ['-m', 'customercare', 'seed'],
      cwd: join(root, 'apps', 'backend'),
      env: { ...process.env, DATA_DIR: join(WORK, environment, 'data') },
    },
    'npm run setup',
  );
}

let registry;
let good;
let broken;
const manifestFile = join(WORK, 'release-manifest.json');
const brokenFile = join(WORK, 'release-manifest.broken.json');
let failed;
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
    await run('npx', ['nx', 'run', 'backend:docker', '--configuration=ci', '--skip-nx-cache'], {
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
    return { digest: r.candidate.version, detail: `${r.outcome} on http://127.0.0.1:8580` };
  });

  await stage('smoke on staging', async () => {
    for (const path of ['/health', '/ready', '/api/v1/embed/widget.js']) {
      const answer = await fetch(`http://127.0.0.1:8580${path}`);
      if (answer.status !== 200) throw new Error(`${path}: HTTP ${answer.status}`);
    }
    return { digest: good.digest, detail: '/health, /ready, /api/v1/embed/widget.js: 200' };
  });

  await stage('promote the same digest to production', async () => {
    await seed('production');
    const { success } = await deploy('production', manifestFile);
    const r = report('production');
    if (!success || r.candidate?.version !== good.digest)
      throw new Error(`production: ${r.outcome} with ${r.candidate?.version}`);
    return {
      digest: r.candidate.version,
      detail: `${r.outcome} on http://127.0.0.1:8590; ${await documents('production')} documents`,
    };
  });

  await stage('a broken release: its own digest', async () => {
    const ref = (
      await captureOk(
        {
          label: 'crane mutate',
          command: 'crane',
          args: [
            'mutate',
            good.image,
            '--env',
            'DATABASE_URL=sqlite:////nonexistent/customercare.db',
            '-t',
            `${good.repository}:broken`,
            '--insecure',
          ],
          cwd: root,
        },
        'npm run setup',
      )
    ).trim();
    const digest = ref.split('@')[1];
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    manifest.projects.backend = {
      ...manifest.projects.backend,
      image: `${good.repository}@${digest}`,
      digest,
      tags: [`${good.repository}:broken`],
    };
    writeFileSync(brokenFile, `${JSON.stringify(manifest, null, 2)}\n`);
    broken = manifest.projects.backend;
    return { digest, detail: 'the same image with DATABASE_URL pointing nowhere' };
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

  await stage('staging rolls the broken release back, data intact', async () => {
    await seed('staging');
    const before = await documents('staging');
    const { success } = await deploy('staging', brokenFile);
    const r = report('staging');
    const after = await documents('staging');
    if (success || r.outcome !== 'rolled-back' || after !== before)
      throw new Error(`staging ${r.outcome}, documents ${before} -> ${after}`);
    const serving = await fetch('http://127.0.0.1:8580/health');
    return {
      digest: broken.digest,
      detail: `${r.outcome} in ${r.failure?.phase}, back on ${r.rollback?.to} (HTTP ${serving.status}); documents ${before} -> ${after}`,
    };
  });

  await stage('production still serves the good digest', async () => {
    const r = report('production');
    const answer = await fetch('http://127.0.0.1:8590/ready');
    if (answer.status !== 200) throw new Error(`HTTP ${answer.status}`);
    return { digest: r.candidate?.version, detail: `${await documents('production')} documents` };
  });
} catch (error) {
  failed = error;
} finally {
  for (const environment of ['staging', 'production']) await stop(environment).catch(() => undefined);
  await registry?.stop();
  const total = (Date.now() - started) / 1000;
  const result = {
    passed: !failed,
    totalSeconds: total,
    digest: good?.digest ?? null,
    oneDigestFromBuildToProduction:
      !!good &&
      stages
        .filter(
          (s) =>
            s.status === 'ok' &&
            s.digest &&
            s.stage !== 'a broken release: its own digest' &&
            !s.stage.includes('broken'),
        )
        .every((s) => s.digest === good.digest),
    stages,
  };
  mkdirSync(REPORTS, { recursive: true });
  writeFileSync(join(REPORTS, 'rehearsal-report.json'), `${JSON.stringify(result, null, 2)}\n`);
  const md = [
    `# CD rehearsal: ${result.passed ? 'passed' : 'FAILED'} in ${total.toFixed(0)} s`,
    '',
    `Release digest: \`${result.digest ?? 'none'}\`; one digest from build to production: ${result.oneDigestFromBuildToProduction ? 'yes' : 'no'}.`,
    '',
    '| Stage | Status | Seconds | Digest | Detail |',
    '|---|---|---|---|---|',
    ...stages.map(
      (s) =>
        `| ${s.stage} | ${s.status} | ${s.seconds.toFixed(1)} | ${s.digest ? `\`${s.digest.slice(0, 19)}…\`` : ''} | ${s.detail.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`,
    ),
  ].join('\n');
  writeFileSync(join(REPORTS, 'rehearsal-report.md'), `${md}\n`);
  log(`report: reports/rehearsal/rehearsal-report.md (${total.toFixed(0)} s in all)`);
  if (existsSync(join(REPORTS, 'rehearsal-report.md'))) process.stdout.write(`${md}\n`);
  process.exit(failed ? 1 : 0);
}
