import { parseDastConfig } from '../config';
import type { InjectionTarget } from '../openapi';
import { parseSchemathesis, schemathesisCommand } from './schemathesis';
import { parseSqlmap, sqlmapCommand } from './sqlmap';
import type { DastContext } from './types';
import { cutShort, parseWapiti, wapitiCommand } from './wapiti';
import { parseZap, zapCommand } from './zap';

const context: DastContext = {
  workspaceRoot: '/ws',
  projectRoot: 'apps/api',
  projectName: 'api',
  tools: { workspaceRoot: '/ws' },
  rawDir: '/ws/reports/apps/api/dast/raw',
  config: parseDastConfig({ excludePaths: ['/metrics'] }, 'dast.yml'),
  openapi: { paths: {} },
  headers: { 'X-Widget-Key': 'k', Authorization: 'Bearer t' },
  pages: [],
  hooksDir: '/ws/tools/plugins/dast/python',
};

describe('schemathesis adapter', () => {
  it('runs every check with the auth headers, negative data, the response time limit and the extra checks as hooks', () => {
    const command = schemathesisCommand(context, 'http://127.0.0.1:9', '/raw/st.json');
    expect(command.command).toBe('schemathesis');
    expect(command.args.join(' ')).toBe(
      'run http://127.0.0.1:9/openapi.json --checks all --mode all --phases examples,coverage,fuzzing,stateful ' +
        '--max-examples 10 --max-response-time 2 --request-timeout 10 --seed 1 --workers 1 --no-color ' +
        '--report json --report-json-path /raw/st.json --exclude-path /metrics -H X-Widget-Key: k -H Authorization: Bearer t',
    );
    expect(command.env).toEqual({ SCHEMATHESIS_HOOKS: 'dast_checks', PYTHONPATH: '/ws/tools/plugins/dast/python' });
  });

  it('turns each failure kind and operation into a finding, custom checks named by their function', () => {
    const parsed = parseSchemathesis(
      JSON.stringify({
        operations: { total: 2, tested: 2, errored: 0 },
        test_cases: { generated: 30 },
        failures: [
          { code: 'ST101', title: 'Server error', severity: 'critical', count: 1, operations: ['POST /orders'] },
          {
            code: 'ST901',
            title: 'Custom check failed: `security_headers`',
            severity: 'medium',
            count: 1,
            operations: ['GET /hello'],
          },
        ],
        errors: [],
      }),
    );
    expect(parsed.incomplete).toBeUndefined();
    expect(parsed.summary).toBe('2/2 operations, 30 cases');
    expect(parsed.findings.map((f) => [f.ruleId, f.severity, f.file])).toEqual([
      ['ST101', 'critical', 'POST /orders'],
      ['ST901:security_headers', 'medium', 'GET /hello'],
    ]);
  });

  it('calls a run that could not test every operation incomplete', () => {
    const parsed = parseSchemathesis(
      JSON.stringify({ operations: { total: 3, tested: 1, errored: 2 }, failures: [], errors: ['GET /x: timeout'] }),
    );
    expect(parsed.incomplete).toBe('1 of 3 operations tested, 2 errored: GET /x: timeout');
  });

  it('refuses output that is not its JSON report', () => {
    expect(() => parseSchemathesis('{}')).toThrow('not a schemathesis JSON report');
  });
});

describe('wapiti adapter', () => {
  it('crawls the API from its OpenAPI document with the chosen modules, state kept in the reports', () => {
    const command = wapitiCommand(
      context,
      { name: 'api', baseUrl: 'http://127.0.0.1:9', openapi: '/openapi.json' },
      '/raw/w.json',
      100,
    );
    const args = command.args.join(' ');
    expect(args).toContain('--url http://127.0.0.1:9/ --swagger http://127.0.0.1:9/openapi.json --scope folder');
    expect(args).toContain('--module sql,xss,crlf,redirect');
    expect(args).toContain('--max-scan-time 100 --max-attack-time 50');
    expect(args).toContain('--output /raw/w.json --log /raw/w.log');
    expect(args).toContain('--exclude http://127.0.0.1:9/metrics');
    expect(command.env).toEqual({ HOME: '/ws/reports/apps/api/dast/raw/wapiti-state' });
  });

  it('finds the log lines that say a time limit stopped it', () => {
    expect(
      cutShort(
        '[*] Launching module sql\nMax attack time was reached for module sql, stopping.\nMax scan time was reached, stopping.\n',
      ),
    ).toEqual(['Max attack time was reached for module sql, stopping.', 'Max scan time was reached, stopping.']);
    expect(cutShort('[*] Launching module xss\n')).toEqual([]);
  });

  it('reads vulnerabilities and anomalies with their levels', () => {
    const parsed = parseWapiti(
      JSON.stringify({
        vulnerabilities: {
          'SQL Injection': [{ method: 'GET', path: '/items', info: 'via name', level: 4, parameter: 'name' }],
          'Reflected Cross Site Scripting': [
            { method: 'GET', path: '/hello', info: 'via name', level: 2, parameter: 'name' },
          ],
          'Open Redirect': [],
        },
        anomalies: {
          'Internal Server Error': [{ method: 'POST', path: '/orders', info: '500', level: 3, parameter: 'q' }],
        },
        infos: { crawled_pages_nbr: 9 },
      }),
      'api',
    );
    expect(parsed.pages).toBe(9);
    expect(parsed.findings.map((f) => [f.ruleId, f.severity, f.file])).toEqual([
      ['SQL Injection', 'critical', 'GET /items'],
      ['Reflected Cross Site Scripting', 'medium', 'GET /hello'],
      ['Internal Server Error', 'high', 'POST /orders'],
    ]);
  });
});

describe('sqlmap adapter', () => {
  const target: InjectionTarget = {
    method: 'POST',
    path: '/orders',
    query: { page: '1' },
    body: { note: 'gift' },
    parameters: ['page', 'note'],
  };

  it('attacks query and JSON body parameters at the configured level and risk', () => {
    const args = sqlmapCommand(context, 'http://127.0.0.1:9', target, '/raw/0').args.join(' ');
    expect(args).toContain('--url http://127.0.0.1:9/orders?page=1 --method POST --data {"note":"gift"} -p page,note');
    expect(args).toContain('--level 1 --risk 1 --smart --batch');
    expect(args).toContain('-H Content-Type: application/json');
  });

  it('lists each injectable parameter once, with the techniques', () => {
    const parsed = parseSqlmap(
      [
        'sqlmap identified the following injection point(s) with a total of 43 HTTP(s) requests:',
        '---',
        'Parameter: note (JSON)',
        '    Type: boolean-based blind',
        '    Title: AND boolean-based blind',
        '',
        '    Type: error-based',
        '    Title: SQLite error',
        '---',
      ].join('\n'),
      target,
    );
    expect(parsed.problem).toBeUndefined();
    expect(parsed.findings).toHaveLength(1);
    expect(parsed.findings[0]).toMatchObject({
      tool: 'sqlmap',
      ruleId: 'sql-injection',
      severity: 'critical',
      file: 'POST /orders',
      message: 'SQL injection in JSON parameter `note` of POST /orders (boolean-based blind, error-based)',
    });
  });

  it('counts "not injectable" as a verdict, and a connection failure as none', () => {
    expect(parseSqlmap('[CRITICAL] all tested parameters do not appear to be injectable.', target)).toEqual({
      findings: [],
      problem: undefined,
    });
    expect(parseSqlmap("[CRITICAL] unable to connect to the target URL ('Connection refused')", target).problem).toBe(
      "unable to connect to the target URL ('Connection refused')",
    );
  });
});

describe('zap adapter', () => {
  it('runs the packaged API scan from the official image on the host network, headers through the replacer', () => {
    const args = zapCommand(context, 'api', 'http://127.0.0.1:9', '/raw/zap', 120).args;
    expect(args.slice(0, 7)).toEqual([
      'run',
      '--rm',
      '--network',
      'host',
      '--volume',
      '/raw/zap:/zap/wrk:rw',
      'ghcr.io/zaproxy/zaproxy:stable',
    ]);
    expect(args.join(' ')).toContain(
      'zap-api-scan.py -t http://127.0.0.1:9/openapi.json -f openapi -T 2 -J zap-api.json -I',
    );
    expect(args.at(-1)).toContain('replacer.full_list(1).matchstr=Authorization');
  });

  it("maps ZAP's risk codes to severities", () => {
    const findings = parseZap(
      JSON.stringify({
        site: [
          {
            alerts: [
              {
                pluginid: '10021',
                alert: 'X-Content-Type-Options Header Missing',
                riskcode: '1',
                instances: [{ uri: 'http://127.0.0.1:9/hello?name=a', method: 'GET' }],
              },
              { pluginid: '40018', alert: 'SQL Injection', riskcode: '3', instances: [] },
            ],
          },
        ],
      }),
      'api',
    );
    expect(findings.map((f) => [f.ruleId, f.severity, f.file])).toEqual([
      ['10021', 'low', 'GET /hello'],
      ['40018', 'high', 'GET /'],
    ]);
  });
});
