import type { GateResult } from '@customercare/nx-core';
import { fingerprintOf, type Finding } from '@customercare/nx-core';
import type { ScannerRun } from '../run-scanners';
import type { Ecosystem, LockedPackage } from './lockfiles';
import type { ReleaseFacts } from './releases';

/** The gate's thresholds (gates.json `security.dependencyAge`). */
export interface AgeThresholds {
  minReleaseAgeDays: number;
  maxOutdatedDays: number;
}

/**
 * Packages with a known advisory, as the advisory scanners that ran earlier in the same scan
 * reported them; per ecosystem, why none are known when its scanner did not run.
 */
export interface KnownAdvisories {
  packages: Array<{ ecosystem: Ecosystem; name: string; version?: string; ids: string[] }>;
  unavailable: Partial<Record<Ecosystem, string>>;
}

/** Which scanner reports the advisories of each ecosystem (no other source is consulted). */
const ADVISORY_SCANNER = { npm: 'npm-audit', pypi: 'pip-audit' } as const;

/** The advisories earlier runs of this scan found; a scanner that did not run leaves its ecosystem unknown, with the reason. */
export function advisoriesFrom(runs: readonly ScannerRun[]): KnownAdvisories {
  const known: KnownAdvisories = { packages: [], unavailable: {} };
  for (const ecosystem of ['npm', 'pypi'] as const) {
    const scanner = ADVISORY_SCANNER[ecosystem];
    const run = runs.find((r) => r.scanner === scanner);
    if (!run) known.unavailable[ecosystem] = `${scanner} did not run in this scan`;
    else if (run.status !== 'ran')
      known.unavailable[ecosystem] =
        `${scanner} ${run.status === 'incomplete' ? 'was incomplete' : 'did not run'}: ${run.reason}`;
    for (const finding of run?.findings ?? []) {
      if (finding.package?.ecosystem !== ecosystem) continue;
      const { name, version } = finding.package;
      const entry = known.packages.find((p) => p.ecosystem === ecosystem && p.name === name && p.version === version);
      if (entry) entry.ids.push(finding.ruleId);
      else known.packages.push({ ecosystem, name, version, ids: [finding.ruleId] });
    }
  }
  return known;
}

export type Verdict = 'too-new' | 'outdated-with-advisory' | 'stale' | 'ok';

export interface Judgement {
  pkg: LockedPackage;
  facts: ReleaseFacts;
  verdict: Verdict;
  ageDays: number;
  /** Days since the first newer release came out (0 when there is none). */
  outdatedDays: number;
  advisories: string[];
}

const DAY_MS = 86_400_000;

/** Judges one locked version against the thresholds. Pure. */
export function judge(
  pkg: LockedPackage,
  facts: ReleaseFacts,
  advisories: KnownAdvisories,
  thresholds: AgeThresholds,
  now: Date,
): Judgement {
  const ageDays = (now.getTime() - Date.parse(facts.published)) / DAY_MS;
  const outdatedDays = facts.newer ? (now.getTime() - Date.parse(facts.newer.published)) / DAY_MS : 0;
  const ids = advisories.packages
    .filter(
      (a) =>
        a.ecosystem === pkg.ecosystem &&
        a.name.toLowerCase() === pkg.name.toLowerCase() &&
        (a.version === undefined || a.version === pkg.version),
    )
    .flatMap((a) => a.ids);
  let verdict: Verdict = 'ok';
  if (ageDays < thresholds.minReleaseAgeDays) verdict = 'too-new';
  else if (facts.newer && outdatedDays > thresholds.maxOutdatedDays)
    verdict = ids.length ? 'outdated-with-advisory' : 'stale';
  return { pkg, facts, verdict, ageDays, outdatedDays, advisories: ids };
}

/** "1 hour", "20 hours", "2.5 days", "400 days". */
export function formatAge(days: number): string {
  if (days < 2) {
    const hours = Math.max(0, Math.round(days * 24));
    return `${hours} hour${hours === 1 ? '' : 's'}`;
  }
  return `${days < 10 ? Math.round(days * 10) / 10 : Math.round(days)} days`;
}

const INSTALL = { npm: 'npm install', pypi: 'uv add' } as const;

/** The findings that fail the gate (too new; outdated with an advisory). Stale packages are listed in the raw report only. */
export function ageFindings(judgements: readonly Judgement[], thresholds: AgeThresholds): Finding[] {
  return judgements.flatMap((j): Finding[] => {
    const { pkg } = j;
    const where = {
      file: pkg.lockfile,
      line: pkg.line,
      package: { ecosystem: pkg.ecosystem, name: pkg.name, version: pkg.version },
    };
    if (j.verdict === 'too-new') {
      const allowedFrom = new Date(Date.parse(j.facts.published) + thresholds.minReleaseAgeDays * DAY_MS).toISOString();
      return [
        {
          tool: 'dependency-age',
          ruleId: 'dependency-age/too-new',
          severity: 'high',
          message:
            `${pkg.name} ${pkg.version} (${pkg.ecosystem}) was published ${formatAge(j.ageDays)} ago (${j.facts.published}), less than the ` +
            `${thresholds.minReleaseAgeDays} days gates.json's security.dependencyAge.minReleaseAgeDays asks for: lock the previous release ` +
            `(\`${INSTALL[pkg.ecosystem]} ${pkg.name}@<previous version>\`) or wait until ${allowedFrom}`,
          fingerprint: fingerprintOf('dependency-age', 'too-new', pkg.ecosystem, pkg.name, pkg.version),
          ...where,
        },
      ];
    }
    if (j.verdict === 'outdated-with-advisory' && j.facts.newer) {
      return [
        {
          tool: 'dependency-age',
          ruleId: 'dependency-age/outdated-with-advisory',
          severity: 'high',
          message:
            `${pkg.name} ${pkg.version} (${pkg.ecosystem}) has a known advisory (${j.advisories.join(', ')}) and ${j.facts.newer.version} has been out for ` +
            `${formatAge(j.outdatedDays)}, more than the ${thresholds.maxOutdatedDays} days of security.dependencyAge.maxOutdatedDays: update it`,
          fingerprint: fingerprintOf('dependency-age', 'outdated-with-advisory', pkg.ecosystem, pkg.name, pkg.version),
          ...where,
        },
      ];
    }
    return [];
  });
}

/**
 * The `dependency-age` gate line: packages that fail the policy (unsuppressed), against 0. A scan
 * that could not look every package up is not a pass; one whose advisory source did not run says
 * so in the line. `run` is undefined when the scanner was not selected: then there is no line.
 */
export function dependencyAgeGate(
  run: ScannerRun | undefined,
  findings: readonly Finding[],
  thresholds: AgeThresholds,
  project: string,
  report: string,
): GateResult[] {
  if (!run) return [];
  const failing = findings.filter((f) => f.tool === 'dependency-age' && !f.suppressed);
  const result: GateResult = {
    project,
    gate: 'dependency-age',
    measured: run.status === 'not-run' || run.status === 'failed' ? null : failing.length,
    threshold: `0 packages younger than ${thresholds.minReleaseAgeDays} days or outdated ${thresholds.maxOutdatedDays}+ days with an advisory`,
    passed: run.status === 'ran' && failing.length === 0,
    report,
  };
  const reasons = [
    ...failing.slice(0, 3).map((f) => f.message),
    ...(failing.length > 3 ? [`and ${failing.length - 3} more`] : []),
    ...(run.status === 'ran' ? [] : [`${run.status === 'incomplete' ? 'incomplete' : 'not run'}: ${run.reason}`]),
    ...(run.summary ? [run.summary] : []),
  ];
  if (reasons.length) result.reason = reasons.join('; ');
  return [result];
}
