export interface MonitoringExecutorOptions {
  sloFile?: string;
  testsDirectory?: string;
  outputPath?: string;
  reportsDirectory?: string;
  gatesFile?: string;
}
