/**
 * The thresholds `init` writes into a new gates.json: every gate on, at levels a generated service
 * meets on its first run. The spec validates this against src/gates/schema.json (strictly), so a
 * gate that becomes required there fails the init tests until it gets a default here.
 */
export const DEFAULT_GATES = {
  coverage: { min: 80 },
  security: {
    grade: 'A',
    requiredScanners: ['bandit', 'semgrep', 'eslint-security', 'gitleaks', 'licences', 'sbom'],
    licenceAllowList: 'security/licences.yaml',
    suppressions: 'security/suppressions.yaml',
    semgrepRules: 'security/semgrep',
  },
  perf: {
    p95Ms: 2000,
    p99Ms: 5000,
    errorRate: 0.01,
    minThroughputRps: 100,
    p95RegressionPercent: 25,
    p95RegressionMinMs: 5,
    baseline: 'perf/baseline.{profile}.json',
  },
} as const;
