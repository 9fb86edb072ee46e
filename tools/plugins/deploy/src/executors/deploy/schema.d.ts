export interface DeployExecutorSchema {
  environment: string;
  release?: string;
  config?: string;
  dryRun?: boolean;
  stop?: boolean;
  approvedBy?: string[];
  reportsDirectory?: string;
  gatesFile?: string;
}
