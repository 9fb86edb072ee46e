export interface DastExecutorSchema {
  /** The project's DAST config, relative to the project root (default dast.yml; every setting has a default). */
  config?: string;
  /** Workspace-relative reports folder (default reports/<projectRoot>/dast). */
  reportsDirectory?: string;
  /** The workspace's gates file (default gates.json). */
  gatesFile?: string;
  /** Virtual environment put first on the service's PATH, relative to the workspace (default .venv). */
  venv?: string;
  /** Run only these scanners; the others are reported "not run: not selected". */
  scanners?: Array<'schemathesis' | 'wapiti' | 'sqlmap' | 'zap'>;
}
