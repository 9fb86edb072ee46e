export interface TestExecutorSchema {
  venv?: string;
  coverageSources?: string[];
  pytestArgs?: string[];
  reportsDirectory?: string;
  gatesFile?: string;
}
