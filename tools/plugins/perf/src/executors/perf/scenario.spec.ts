import { createRenderer, seededRandom, weightedPicker } from './requests';
import { checkTarget, isLoopbackHost, parseDuration, parseScenario } from './scenario';

const base = () => ({
  config: {
    phases: [
      { duration: '1m', arrivalRate: 10 },
      { pause: 5 },
      { name: 'up', duration: 30, arrivalRate: 10, rampTo: 20 },
    ],
    environments: { ci: { phases: [{ duration: 5, arrivalRate: 20 }] } },
    variables: { question: ['a', 'b'], limit: 5 },
  },
  service: { command: ['python', '-m', 'api', 'serve'] },
  scenarios: [
    { name: 'health', weight: 1, flow: [{ get: { url: '/health' } }] },
    {
      name: 'chat',
      weight: 3,
      flow: [
        {
          post: {
            url: '/chat?limit={{ limit }}',
            headers: { 'X-Key': 'k' },
            json: { message: 'Q: {{ question }}', limit: '{{ limit }}', id: '{{ $uuid }}' },
            expect: [{ statusCode: [200, 201] }],
          },
        },
      ],
    },
  ],
});

describe('scenario files', () => {
  it('reads Artillery-style phases, profiles, weights, bodies and expectations', () => {
    const scenario = parseScenario(base(), 'perf/load.yml', 'load');
    expect(scenario.profiles).toEqual(['load', 'ci']);
    expect(scenario.phases).toEqual([
      { name: 'phase 1', durationS: 60, arrivalRate: 10, rampTo: 10 },
      { name: 'phase 2', durationS: 5, arrivalRate: 0, rampTo: 0 },
      { name: 'up', durationS: 30, arrivalRate: 10, rampTo: 20 },
    ]);
    expect(scenario.requests[1]).toMatchObject({
      name: 'chat',
      weight: 3,
      method: 'POST',
      expectedStatuses: [200, 201],
    });
    expect(scenario.requests[0].expectedStatuses).toEqual([200]);
    expect(scenario.service).toMatchObject({ readinessPath: '/health', readinessTimeoutS: 60, setup: [], env: {} });
    expect(parseScenario(base(), 'perf/load.yml', 'ci').phases).toEqual([
      { name: 'phase 1', durationS: 5, arrivalRate: 20, rampTo: 20 },
    ]);
  });

  it('says which profiles exist when asked for another', () => {
    expect(() => parseScenario(base(), 'perf/load.yml', 'soak')).toThrow(
      'perf/load.yml has no profile "soak". Profiles: load, ci',
    );
  });

  it('names the place of every schema error', () => {
    const data = base() as Record<string, unknown>;
    (data.config as Record<string, unknown>).phases = [{ duration: 'soon', arrivalRate: 1 }];
    (data.scenarios as Array<Record<string, unknown>>)[0].flow = [{ fetch: { url: '/x' } }];
    expect(() => parseScenario(data, 'perf/load.yml', 'load')).toThrow(
      /\/config\/phases\/0\/duration[\s\S]*\/scenarios\/0\/flow\/0 must be equal to one of the allowed values/,
    );
  });

  it('refuses multi-step flows, unknown placeholders, half-specified phases and silent profiles', () => {
    const twoSteps = base();
    (twoSteps.scenarios[0].flow as unknown[]).push({ get: { url: '/x' } });
    expect(() => parseScenario(twoSteps, 'f.yml', 'load')).toThrow(/flow must NOT have more than 1 items/);

    const unknown = base();
    unknown.scenarios[0].flow = [{ get: { url: '/x/{{ nope }}' } }];
    expect(() => parseScenario(unknown, 'f.yml', 'load')).toThrow(
      'scenario "health" uses {{ nope }}, which is not in config.variables',
    );

    const half = base();
    half.config.phases = [{ duration: 5 } as never];
    expect(() => parseScenario(half, 'f.yml', 'load')).toThrow(
      'config.phases[0] (phase 1): a phase needs `duration` and `arrivalRate`',
    );

    const silent = base();
    silent.config.environments.ci.phases = [{ pause: 5 } as never];
    expect(() => parseScenario(silent, 'f.yml', 'ci')).toThrow('profile "ci" sends no requests');
  });

  it('parses durations', () => {
    expect([
      parseDuration(5),
      parseDuration('250ms'),
      parseDuration('1.5s'),
      parseDuration('2m'),
      parseDuration('1h'),
    ]).toEqual([5, 0.25, 1.5, 120, 3600]);
  });

  it('loads only loopback targets unless a host is allowed by name', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['10.0.0.1', 'example.com', '128.0.0.1', '::2']) expect(isLoopbackHost(host)).toBe(false);
    expect(checkTarget('http://127.0.0.1:8000', [], 'f.yml').port).toBe('8000');
    expect(() => checkTarget('http://staging.internal', [], 'f.yml')).toThrow(
      /not a loopback address.*--allowHosts=staging.internal/,
    );
    expect(checkTarget('http://staging.internal', ['staging.internal'], 'f.yml').hostname).toBe('staging.internal');
    expect(() => checkTarget('ftp://127.0.0.1', [], 'f.yml')).toThrow(/must be http/);
  });
});

describe('requests', () => {
  const scenario = parseScenario(base(), 'perf/load.yml', 'load');

  it('picks scenarios by weight, the same way for the same seed', () => {
    const pick = weightedPicker(scenario.requests, seededRandom(1));
    const counts: Record<string, number> = { health: 0, chat: 0 };
    for (let i = 0; i < 4000; i++) counts[pick().name] += 1;
    expect(counts.chat / 4000).toBeCloseTo(0.75, 1);
    const again = weightedPicker(scenario.requests, seededRandom(1));
    const first = weightedPicker(scenario.requests, seededRandom(1));
    expect(Array.from({ length: 20 }, () => again().name)).toEqual(Array.from({ length: 20 }, () => first().name));
  });

  it('fills placeholders: a whole-string placeholder keeps its type, one variable has one value per request', () => {
    const render = createRenderer(scenario.variables, seededRandom(2));
    const request = render(scenario.requests[1]);
    const body = JSON.parse(request.body as string);
    expect(request).toMatchObject({
      method: 'POST',
      path: '/chat?limit=5',
      headers: { 'x-key': 'k', 'content-type': 'application/json' },
    });
    expect(body.limit).toBe(5);
    expect(body.message).toMatch(/^Q: [ab]$/);
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
