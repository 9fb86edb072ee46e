export interface DeployExecutorSchema {
  environment: string;
  release?: string;
  config?: string;
  dryRun?: boolean;
  rollbackTo?: string;
  approvedBy?: string[];
  reportsDirectory?: string;
  gatesFile?: string;
}
