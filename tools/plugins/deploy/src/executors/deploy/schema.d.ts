export interface DeployExecutorSchema {
  environment: string;
  release?: string;
  config?: string;
  dryRun?: boolean;
  stop?: boolean;
  rollbackTo?: string;
  approvedBy?: string[];
  reportsDirectory?: string;
  gatesFile?: string;
}
