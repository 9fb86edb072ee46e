import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import type { Finding } from './findings';
import { toSarif } from './sarif';

/** The official OASIS SARIF 2.1.0 schema (rtm.5), as Microsoft's sarif-js-sdk ships it. */
const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));

function validator() {
  // The schema's language pattern is not valid with the u flag (a stray ']'), so compile patterns without it.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

const finding = (over: Partial<Finding>): Finding => ({
  tool: 'bandit',
  ruleId: 'B602',
  severity: 'high',
  message: 'subprocess call with shell=True',
  file: 'apps/backend/src/run.py',
  line: 4,
  fingerprint: 'a'.repeat(32),
  ...over,
});

describe('toSarif', () => {
  const log = toSarif('backend', [
    { tool: 'bandit', informationUri: 'https://bandit.readthedocs.io', findings: [finding({}), finding({ severity: 'low', ruleId: 'B101', line: 0, suppressed: { reason: 'tests use assert', expires: '2027-01-31' } })] },
    { tool: 'gitleaks', findings: [finding({ tool: 'gitleaks', ruleId: 'private-key', severity: 'critical', file: 'apps/backend/key.pem' })] },
    { tool: 'pip-audit', notRun: 'the advisory source did not answer', findings: [] },
  ]);

  it('is valid against the official SARIF 2.1.0 JSON schema', () => {
    const validate = validator();
    const valid = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check is real: a malformed log fails it', () => {
    const validate = validator();
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: {} }, results: [{ level: 'severe' }] }] })).toBe(false);
  });

  it('writes one run per tool, with GitHub security-severity, suppressions and failed invocations', () => {
    expect(log.version).toBe('2.1.0');
    expect(log.runs.map((run) => run.tool.driver.name)).toEqual(['bandit', 'gitleaks', 'pip-audit']);
    const [bandit, gitleaks, pipAudit] = log.runs;
    expect(bandit.results?.[0]).toMatchObject({ ruleId: 'B602', level: 'error', ruleIndex: 0, partialFingerprints: { 'customercare/v1': 'a'.repeat(32) } });
    expect(bandit.results?.[1]).toMatchObject({ level: 'note', suppressions: [{ kind: 'external', justification: 'tests use assert (expires 2027-01-31)' }] });
    expect(bandit.results?.[1].locations?.[0].physicalLocation?.region?.startLine).toBe(1);
    expect(gitleaks.tool.driver.rules?.[0].properties?.['security-severity']).toBe('9.5');
    expect(pipAudit.invocations?.[0]).toEqual({
      executionSuccessful: false,
      toolExecutionNotifications: [{ level: 'error', message: { text: 'not run: the advisory source did not answer' } }],
    });
    expect(bandit.automationDetails?.id).toBe('backend/bandit/');
  });
});
