import { createServer, type Server } from 'node:http';
import { startBudgetProxy } from './budget-proxy';

describe('budget proxy', () => {
  let upstream: Server;
  let upstreamUrl: string;
  const seen: string[] = [];

  beforeAll(async () => {
    upstream = createServer((request, response) => {
      seen.push(`${request.method} ${request.url} ${request.headers['x-key']}`);
      response.writeHead(201, { 'x-answer': 'yes' }).end('ok');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const address = upstream.address() as { port: number };
    upstreamUrl = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

  it('forwards to the upstream as it is, and counts', async () => {
    const proxy = await startBudgetProxy(upstreamUrl, { requests: 5, timeS: 60 });
    try {
      const response = await fetch(`${proxy.url}/items?name=a`, { headers: { 'x-key': 'k' } });
      expect(response.status).toBe(201);
      expect(response.headers.get('x-answer')).toBe('yes');
      expect(await response.text()).toBe('ok');
      expect(seen).toContain('GET /items?name=a k');
      expect(proxy.used()).toBe(1);
      expect(proxy.exhausted()).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });

  it('drops requests past the budget and says so', async () => {
    const proxy = await startBudgetProxy(upstreamUrl, { requests: 2, timeS: 60 });
    try {
      for (let i = 0; i < 2; i++) expect((await fetch(`${proxy.url}/`)).status).toBe(201);
      await expect(fetch(`${proxy.url}/`)).rejects.toThrow();
      expect(proxy.used()).toBe(2);
      expect(proxy.exhausted()).toBe('spent its request budget (2 requests) before it finished');
    } finally {
      await proxy.close();
    }
  });

  it('closes at the time limit', async () => {
    const proxy = await startBudgetProxy(upstreamUrl, { requests: 100, timeS: 0.05 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await expect(fetch(`${proxy.url}/`)).rejects.toThrow();
      expect(proxy.exhausted()).toBe('reached its time limit (0.05 s) before it finished');
    } finally {
      await proxy.close();
    }
  });

  it('forwards to loopback only', async () => {
    await expect(startBudgetProxy('http://10.0.0.1:80', { requests: 1, timeS: 1 })).rejects.toThrow(
      'The budget proxy forwards to loopback only, not http://10.0.0.1:80.',
    );
  });
});
