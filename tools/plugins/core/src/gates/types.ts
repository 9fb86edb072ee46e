export type SecurityGrade = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

/** Every scanner the scan and dast executors know; gates.json may require any of them. */
export type ScannerName =
  | 'bandit'
  | 'semgrep'
  | 'eslint-security'
  | 'gitleaks'
  | 'licences'
  | 'sbom'
  | 'pip-audit'
  | 'npm-audit'
  | 'osv-scanner'
  | 'trivy'
  | 'zizmor'
  | 'dependency-age'
  // The dast target's scanners (their Findings, runs and reports are the scan's).
  | DastScannerName;

export interface SecurityGates {
  /** Worst acceptable grade (see src/executors/scan/grade.ts for the rule). */
  grade: SecurityGrade;
  /** Scanners that must run where they apply; one that could not run fails the gate. */
  requiredScanners?: ScannerName[];
  /** Workspace-relative path of the licence allow-list. */
  licenceAllowList?: string;
  /** Workspace-relative path of the reviewed suppressions file. */
  suppressions?: string;
  /** Workspace-relative folder of the repository's semgrep rules. */
  semgrepRules?: string;
  /** The dependency age policy over every locked package (src/executors/scan/dependency-age). */
  dependencyAge?: { minReleaseAgeDays?: number; maxOutdatedDays?: number };
}

/** The dynamic scanners the dast gate may require (tools/plugins/dast). */
export type DastScannerName = 'schemathesis' | 'wapiti' | 'sqlmap' | 'zap';

/** The dast target's gate: the grade of the dynamic scanners' findings and the scanners that must run. */
export interface DastGates {
  /** Worst acceptable grade of the dast findings. */
  grade?: SecurityGrade;
  /** Dynamic scanners that must run for the dast gate to pass. */
  requiredScanners?: DastScannerName[];
}

export interface ProjectGates {
  coverage: { min: number };
  security: SecurityGates;
  perf: {
    p95Ms: number;
    p99Ms: number;
    errorRate: number;
    minThroughputRps: number;
    p95RegressionPercent: number;
    p95RegressionMinMs: number;
    /** Relative to the project root, with {profile} for the profile's name. */
    baseline: string;
  };
  dast?: DastGates;
  /** The monitoring target's gate (tools/plugins/monitoring); absent means 100 %. */
  monitoring?: { alertTestCoverage: number };
}

type Partial2<T> = { [K in keyof T]?: Partial<T[K]> };

export interface GatesConfig {
  defaults: ProjectGates;
  projects?: Record<string, Partial2<ProjectGates>>;
}

/** What every executor writes beside its report, and what the pipeline summary reads back. */
export interface GateResult {
  project: string;
  gate: string;
  measured: number | string | null;
  threshold: number | string;
  passed: boolean;
  /** Workspace-relative path of the full report behind the number. */
  report: string;
  /** One line a person can act on when the gate fails (or why it could not be measured). */
  reason?: string;
}
