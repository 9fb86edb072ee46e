export interface DeployExecutorSchema {
  environment: string;
  release?: string;
  manifest?: string;
  config?: string;
  dryRun?: boolean;
  stop?: boolean;
  approvedBy?: string[];
  reportsDirectory?: string;
  gatesFile?: string;
}
