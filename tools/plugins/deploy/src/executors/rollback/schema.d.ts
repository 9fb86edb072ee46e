export interface RollbackExecutorSchema {
  environment: string;
  to?: string;
  config?: string;
  dryRun?: boolean;
  reportsDirectory?: string;
  gatesFile?: string;
}
