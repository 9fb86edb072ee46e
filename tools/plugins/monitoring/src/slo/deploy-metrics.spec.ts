import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { backendSloText, WORKSPACE_ROOT } from '../testing';
import { parseSlo } from './load';

/**
 * The deploy canary analysis (apps/backend/deploy.yml `metrics`) and the alerts read the same three
 * series of the API. They are named in both files until the analysis reads the recording rules
 * (docs/plugins/monitoring.md, "Not done"); this keeps the two from drifting apart meanwhile.
 */
describe('the backend SLO file and its deploy config', () => {
  it('name the same request counter, status label and latency histogram', () => {
    const slo = parseSlo(backendSloText(), 'apps/backend/monitoring/slo.yml');
    const deploy = parse(readFileSync(join(WORKSPACE_ROOT, 'apps/backend/deploy.yml'), 'utf8')) as {
      metrics: { requests: string; statusLabel: string; latencyBucket: string };
    };
    expect(deploy.metrics).toEqual({
      requests: slo.metrics.requests,
      statusLabel: slo.metrics.statusLabel,
      latencyBucket: slo.metrics.latencyBucket,
    });
  });
});
