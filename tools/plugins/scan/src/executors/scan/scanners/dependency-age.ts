import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findUp, npmLockedPackages, uvLockedPackages, type LockedPackage } from '../dependency-age/lockfiles';
import { ageFindings, formatAge, judge, type Judgement } from '../dependency-age/policy';
import { lookUpReleases } from '../dependency-age/releases';
import type { InProcessScanner, ScanContext } from './types';

const REGISTRY = { npm: 'npmRegistry', pypi: 'pypiJsonApi' } as const;

function lockedPackages(context: ScanContext): { packages: LockedPackage[] } | { unavailable: string } {
  const file = context.kind === 'npm' ? 'package-lock.json' : 'uv.lock';
  const path = findUp(context.workspaceRoot, context.projectRoot, file);
  if (!path)
    return {
      unavailable: `no ${file} at or above ${context.projectRoot}: run \`${context.kind === 'npm' ? 'npm install' : 'uv lock'}\` to create one`,
    };
  const packages =
    context.kind === 'npm'
      ? npmLockedPackages(context.workspaceRoot, path)
      : uvLockedPackages(context.workspaceRoot, path);
  return 'unavailable' in packages ? packages : { packages };
}

function rawReport(judgements: readonly Judgement[]) {
  return judgements.map((j) => ({
    ecosystem: j.pkg.ecosystem,
    name: j.pkg.name,
    version: j.pkg.version,
    published: j.facts.published,
    ageDays: Math.round(j.ageDays * 10) / 10,
    newer: j.facts.newer,
    outdatedDays: Math.round(j.outdatedDays * 10) / 10,
    advisories: j.advisories,
    verdict: j.verdict,
  }));
}

/**
 * The dependency age policy over every package the project's lockfile pins (package-lock.json for
 * npm projects, uv.lock for Python ones): the whole lockfile, because `npm ci` and `uv sync` install
 * all of it, whichever project needs a package. Publish times come from the registries' own
 * metadata and are cached on disk by name and version (dependency-age/releases.ts). A package
 * published less than minReleaseAgeDays ago fails; one whose first newer release is older than
 * maxOutdatedDays fails when npm-audit/pip-audit reported an advisory for it earlier in this scan,
 * and is listed as stale otherwise.
 */
export const dependencyAge: InProcessScanner = {
  name: 'dependency-age',
  category: 'supply chain',
  appliesTo: ['npm', 'python'],
  async inProcess(context) {
    const settings = context.dependencyAge;
    if (!settings)
      return { notRun: 'the scan gave no dependency age settings (gates.json security.dependencyAge, registries)' };
    const locked = lockedPackages(context);
    if ('unavailable' in locked) return { notRun: locked.unavailable };
    const { packages } = locked;
    const ecosystem = context.kind === 'npm' ? 'npm' : 'pypi';
    const registry = settings[REGISTRY[ecosystem]];
    const lookup = await lookUpReleases(packages, settings, context.today);
    if (packages.length > 0 && lookup.failures.length === packages.length) {
      return {
        notRun: `the registry did not answer for any of ${packages.length} packages (${registry}): ${lookup.failures[0].reason}`,
      };
    }
    const advisories = context.advisories ?? {
      packages: [],
      unavailable: { [ecosystem]: 'no advisory scanner ran before dependency-age' },
    };
    const judgements = packages.flatMap((pkg) => {
      const facts = lookup.facts.get(pkg);
      return facts ? [judge(pkg, facts, advisories, settings, context.today)] : [];
    });
    const output = join(context.rawDir, 'dependency-age.json');
    writeFileSync(
      output,
      `${JSON.stringify({ registry, requests: lookup.requests, failures: lookup.failures.map((f) => ({ name: f.pkg.name, version: f.pkg.version, reason: f.reason })), packages: rawReport(judgements) }, null, 2)}\n`,
    );

    const count = (verdict: Judgement['verdict']) => judgements.filter((j) => j.verdict === verdict);
    const stale = count('stale').sort((a, b) => b.outdatedDays - a.outdatedDays);
    const advisoryNote = advisories.unavailable[ecosystem]
      ? `the advisory rule was not checked (${advisories.unavailable[ecosystem]})`
      : `advisories from ${ecosystem === 'npm' ? 'npm-audit' : 'pip-audit'}`;
    const summary = [
      `${packages.length} ${ecosystem} packages in ${packages[0]?.lockfile ?? 'the lockfile'}: ${count('too-new').length} younger than ${settings.minReleaseAgeDays} days`,
      `${count('outdated-with-advisory').length} outdated with an advisory`,
      `${stale.length} stale (a newer release out for more than ${settings.maxOutdatedDays} days${
        stale.length
          ? `, e.g. ${stale
              .slice(0, 3)
              .map((j) => `${j.pkg.name} ${j.pkg.version} -> ${j.facts.newer?.version} (${formatAge(j.outdatedDays)})`)
              .join(', ')}`
          : ''
      }; reported, not failed)`,
      advisoryNote,
      `${lookup.requests} registry request(s), the rest from the cache; every package in ${relative(context.workspaceRoot, output)}`,
    ].join('; ');
    const findings = ageFindings(judgements, settings);
    if (lookup.failures.length) {
      const names = lookup.failures.slice(0, 5).map((f) => `${f.pkg.name} ${f.pkg.version}: ${f.reason}`);
      return {
        findings,
        summary,
        incomplete: `${lookup.failures.length} of ${packages.length} packages could not be looked up (${names.join('; ')}${lookup.failures.length > 5 ? '; ...' : ''})`,
      };
    }
    return { findings, summary };
  },
};
