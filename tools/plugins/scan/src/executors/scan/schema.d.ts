import type { ScannerName } from '@customercare/nx-core';

export interface ScanExecutorSchema {
  /** python or npm; detected from the project's pyproject.toml / package.json when absent. */
  kind?: 'python' | 'npm';
  /** Run only these scanners (the others are reported as not selected). */
  scanners?: ScannerName[];
  exclude?: string[];
  /** Workspace-relative folder of GitHub workflows that this project owns: zizmor scans it. */
  workflows?: string;
  /** npm registry for the dependency age gate's publish times (default https://registry.npmjs.org). */
  npmRegistry?: string;
  /** PyPI JSON API root for the dependency age gate (default https://pypi.org/pypi). */
  pypiJsonApi?: string;
  venv?: string;
  reportsDirectory?: string;
  gatesFile?: string;
}
