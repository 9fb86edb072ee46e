export interface LintExecutorSchema {
  paths?: string[];
  venv?: string;
  typecheck?: boolean;
  strict?: boolean;
  fix?: boolean;
  reportsDirectory?: string;
}
