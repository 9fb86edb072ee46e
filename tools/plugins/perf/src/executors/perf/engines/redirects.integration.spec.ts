import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import perfExecutor from '../executor';
import type { Sample } from '../recorder';
import { checkRequestUrl, parseScenario, ScenarioError, type Phase, type Scenario } from '../scenario';
import { perfWorkspace } from '../testing';
import { artilleryScript } from './artillery';
import { k6Script } from './k6';
import { nodeEngine } from './node';

/** Every engine keeps load on the allowed hosts: no absolute URL elsewhere, no redirect followed. */
describe('request URLs', () => {
  it.each(['/items', '/items?q={{ word }}', 'http://127.0.0.1:8000/x', 'http://localhost/x', 'https://[::1]:8443/x'])(
    'accepts %s',
    (url) => {
      expect(() => checkRequestUrl(url, [], 'load.yml')).not.toThrow();
    },
  );

  it('accepts an absolute URL on a host the target allows', () => {
    expect(() => checkRequestUrl('http://api.internal:8080/x', ['api.internal'], 'load.yml')).not.toThrow();
  });

  it('refuses an absolute URL that leaves the allowed hosts, with the fix', () => {
    expect(() => checkRequestUrl('http://evil.example/x', [], 'load.yml: scenarios[0]')).toThrow(
      new ScenarioError(
        'load.yml: scenarios[0]: request URL "http://evil.example/x" leaves the allowed hosts (evil.example is not loopback). Perf runs only send load to this machine; write it as a path under the target, or add the host to the target\'s `allowHosts` option (e.g. --allowHosts=evil.example).',
      ),
    );
  });

  it.each(['{{ base }}/x', '//evil.example/x', 'ftp://127.0.0.1/x', 'http://{{ host }}/x', 'items'])(
    'refuses %s, whose host cannot be checked',
    (url) => {
      expect(() => checkRequestUrl(url, ['evil.example'], 'load.yml')).toThrow(
        /is neither a path under the target \("\/items"\) nor an http\(s\) URL with its host written out; write it as a path\.$/,
      );
    },
  );

  it('the node and k6 engines take paths only (the scenario schema)', () => {
    const data = {
      config: { target: 'http://127.0.0.1:9', phases: [{ duration: 1, arrivalRate: 1 }] },
      scenarios: [{ name: 'off', flow: [{ get: { url: 'http://evil.example/' } }] }],
    };
    expect(() => parseScenario(data, 'load.yml', 'load')).toThrow(/url must match pattern "\^\/"/);
  });
});

describe('k6', () => {
  it('never follows a redirect (maxRedirects: 0 in the generated options)', () => {
    const scenario = parseScenario(
      {
        config: { target: 'http://127.0.0.1:9', phases: [{ duration: 1, arrivalRate: 1 }] },
        scenarios: [{ name: 'a', flow: [{ get: { url: '/a' } }] }],
      },
      'load.yml',
      'load',
    ) as Scenario & { target: string };
    const script = k6Script(scenario, scenario.phases);
    const options = JSON.parse(/export const options = (\{[\s\S]*?\n\});/.exec(script)?.[1] ?? '{}') as {
      maxRedirects?: number;
    };
    expect(options.maxRedirects).toBe(0);
  });
});

describe('artillery', () => {
  const file = (flow: Array<Record<string, unknown>>, extra: object = {}) => ({
    service: { command: ['svc'] },
    config: { target: 'http://127.0.0.1:1', phases: [{ duration: 1, arrivalRate: 1 }] },
    before: { flow: [{ post: { url: '/login' } }] },
    scenarios: [{ name: 'main', flow }],
    ...extra,
  });

  it('runs every request with followRedirect: false, without our service block, against the chosen target', () => {
    const script = artilleryScript(
      file([{ get: { url: '/a' } }, { loop: [{ put: { url: 'http://localhost:1/b' } }], count: 2 }, { think: 1 }]),
      'http://127.0.0.1:5000',
      [],
      'load.yml',
    );
    expect(script).toEqual({
      config: { target: 'http://127.0.0.1:5000', phases: [{ duration: 1, arrivalRate: 1 }] },
      before: { flow: [{ post: { url: '/login', followRedirect: false } }] },
      scenarios: [
        {
          name: 'main',
          flow: [
            { get: { url: '/a', followRedirect: false } },
            { loop: [{ put: { url: 'http://localhost:1/b', followRedirect: false } }], count: 2 },
            { think: 1 },
          ],
        },
      ],
    });
  });

  it('refuses a request off the allowed hosts, one that follows redirects, and flows of engines it cannot check', () => {
    expect(() =>
      artilleryScript(
        file([{ loop: [{ get: { url: 'https://evil.example/x' } }] }]),
        'http://127.0.0.1:1',
        [],
        'load.yml',
      ),
    ).toThrow(
      /^load\.yml: scenarios\[0\] \(main\)\.flow\[0\]\.loop\[0\]\.get: request URL "https:\/\/evil\.example\/x" leaves the allowed hosts/,
    );
    expect(() =>
      artilleryScript(file([{ get: { url: '{{ base }}/x' } }]), 'http://127.0.0.1:1', [], 'load.yml'),
    ).toThrow(/is neither a path under the target/);
    expect(() =>
      artilleryScript(file([{ get: { url: '/x', followRedirect: true } }]), 'http://127.0.0.1:1', [], 'load.yml'),
    ).toThrow(
      'load.yml: scenarios[0] (main).flow[0].get sets followRedirect: true. Perf runs never follow redirects (a Location can point anywhere): remove it and expect the 3xx instead.',
    );
    expect(() =>
      artilleryScript(
        file([], { scenarios: [{ name: 'socket', engine: 'ws', flow: [{ send: 'x' }] }] }),
        'http://127.0.0.1:1',
        [],
        'load.yml',
      ),
    ).toThrow(/uses Artillery's ws engine; the perf target runs HTTP flows only/);
  });

  it('the perf executor refuses such a file before anything starts', async () => {
    const ws = perfWorkspace();
    try {
      writeFileSync(
        join(ws.root, 'svc', 'perf', 'load.yml'),
        'config:\n  target: http://127.0.0.1:9\n  phases: [{ duration: 1, arrivalRate: 5 }]\nscenarios:\n  - flow: [{ get: { url: "http://evil.example/" } }]\n',
      );
      await expect(perfExecutor({ engine: 'artillery', profile: 'load' }, ws.context)).rejects.toThrow(
        /request URL "http:\/\/evil\.example\/" leaves the allowed hosts/,
      );
    } finally {
      rmSync(ws.root, { recursive: true, force: true });
    }
  });
});

describe('the node engine', () => {
  let server: Server;
  let target: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      if (req.url === '/offsite') res.writeHead(302, { Location: 'http://evil.example/stolen' }).end();
      else if (req.url === '/local') res.writeHead(301, { Location: '/moved' }).end();
      else res.writeHead(200).end('ok');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });

  // Three requests in 0.1 s: a count, not a rate, so a loaded machine gives the same answer.
  const phases: Phase[] = [{ name: 'p', durationS: 0.1, arrivalRate: 30, rampTo: 30 }];
  const run = async (path: string, expectedStatuses: number[], allowHosts?: string[]) => {
    seen.length = 0;
    const scenario: Scenario & { target: string } = {
      file: 'test',
      profile: 'test',
      profiles: ['test'],
      target,
      phases,
      requests: [{ name: 'r', weight: 1, method: 'GET', url: path, headers: {}, expectedStatuses }],
      variables: {},
      timeoutS: 5,
      maxConnections: 2,
    };
    const samples: Sample[] = [];
    await nodeEngine.run({
      scenario,
      phases,
      record: (s) => samples.push(s),
      signal: new AbortController().signal,
      workDirectory: '/nonexistent',
      workspaceRoot: '/nonexistent',
      allowHosts,
      log: () => undefined,
    });
    return samples;
  };

  it('fails a request whose redirect leaves the allowed hosts, even when the scenario expects the 3xx, and never follows it', async () => {
    const samples = await run('/offsite', [302]);
    expect(samples.length).toBeGreaterThan(0);
    for (const sample of samples)
      expect(sample).toMatchObject({
        ok: false,
        status: 0,
        error: 'redirect to evil.example, not an allowed host (not followed)',
      });
    expect(new Set(seen)).toEqual(new Set(['/offsite']));
  });

  it('takes a redirect on the target as the answer, without following it', async () => {
    const samples = await run('/local', [301]);
    for (const sample of samples) expect(sample).toMatchObject({ ok: true, status: 301, error: undefined });
    expect(new Set(seen)).toEqual(new Set(['/local']));
  });

  it('lets a redirect point to a host the target allows', async () => {
    const samples = await run('/offsite', [302], ['evil.example']);
    for (const sample of samples) expect(sample).toMatchObject({ ok: true, status: 302 });
  });
});
