export interface PerfExecutorSchema {
  scenario?: string;
  profile?: string;
  engine?: 'node' | 'k6' | 'artillery';
  target?: string;
  allowHosts?: string[];
  maxDurationS?: number;
  baseline?: string;
  updateBaseline?: boolean;
  venv?: string;
  reportsDirectory?: string;
  gatesFile?: string;
}
