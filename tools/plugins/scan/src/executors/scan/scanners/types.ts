import type { ScannerName } from '@customercare/nx-core';
import type { ResolveOptions } from '@customercare/nx-core';
import type { ToolCommand } from '@customercare/nx-core';
import type { AgeThresholds, KnownAdvisories } from '../dependency-age/policy';
import type { RegistrySettings } from '../dependency-age/releases';
import type { Finding } from '@customercare/nx-core';
import type { LicencePolicy } from '../licences';

export type ProjectKind = 'python' | 'npm';

/** What a scanner applies to: a kind of project, or the workflows of the project whose scan target names them. */
export type ScanSubject = ProjectKind | 'workflows';

export type ScannerCategory =
  | 'static analysis'
  | 'secrets'
  | 'licences'
  | 'sbom'
  | 'vulnerabilities'
  | 'supply chain'
  // The dast target's scanners (tools/plugins/dast), which attack a running service.
  | 'dynamic';

/** Everything an adapter may need; adapters hold no state of their own. */
export interface ScanContext {
  workspaceRoot: string;
  /** Workspace-relative. */
  projectRoot: string;
  projectName: string;
  kind: ProjectKind;
  /** Absolute path of the Python virtual environment (bandit, pip-audit, pip-licenses, cyclonedx-py). */
  venv: string;
  /** How the scanners' tools are found (tools/plugins/core/src/tools/resolve.ts): the real workspace, even when the scanned one is a fixture. */
  tools: ResolveOptions;
  /** Absolute folder for the tools' raw outputs (beside the merged reports). */
  rawDir: string;
  /** Absolute folder of the repository's semgrep rules. */
  semgrepRules: string;
  /** Workspace-relative folder of GitHub workflows (the scan target's `workflows` option), on the one project that owns them. */
  workflows?: string;
  /** Workspace-relative globs left out of every scan. */
  exclude: string[];
  licencePolicy: LicencePolicy;
  /** For Python projects: the project's pinned dependencies (uv export), or why there are none. */
  pythonRequirements?: { file: string; packages: Array<{ name: string; version: string }> } | { unavailable: string };
  /** For npm projects: the package name in package.json. */
  packageName?: string;
  /** The dependency age gate's thresholds (gates.json) and where publish times come from. */
  dependencyAge?: AgeThresholds & RegistrySettings;
  /** What the advisory scanners that ran earlier in this scan reported (for the dependency age gate). */
  advisories?: KnownAdvisories;
  today: Date;
}

/** How an adapter runs its tool, or why it cannot run here (then the report says "not run: <reason>"). */
export type Invocation =
  | {
      command: ToolCommand;
      /** The file the tool's machine-readable output lands in (captured from stdout when `stdout` is set). */
      outputFile: string;
      stdout?: boolean;
      /** Exit codes that mean "ran; findings (if any) are in the output". */
      okExitCodes: readonly number[];
    }
  | { notRun: string };

/**
 * What an adapter read from its output. `incomplete` says the tool ran but could not check
 * everything (an advisory source that did not answer): such a scanner never counts as clean.
 */
export type Parsed = { findings: Finding[]; incomplete?: string; summary?: string } | { notRun: string };

/** One scanner behind one interface: argv from the context, Findings from the output. */
export interface Scanner {
  name: ScannerName;
  category: ScannerCategory;
  appliesTo: readonly ScanSubject[];
  invocation(context: ScanContext): Invocation;
  parse(output: string, context: ScanContext): Parsed;
}

/** Adapters that check everything in-process (no external tool, or a registry's HTTP API) implement this instead. */
export interface InProcessScanner {
  name: ScannerName;
  category: ScannerCategory;
  appliesTo: readonly ScanSubject[];
  inProcess(context: ScanContext): Parsed | Promise<Parsed>;
}

export type AnyScanner = Scanner | InProcessScanner;
