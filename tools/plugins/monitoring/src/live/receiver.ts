import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One notification as the receiver got it. */
export interface Received {
  kind: 'slack' | 'pagerduty' | 'webhook';
  at: number;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
}

export interface LocalReceiver {
  url: string;
  slackUrl: string;
  pagerdutyUrl: string;
  webhookUrl: string;
  received: Received[];
  /** Resolves with the first notification that matches, or rejects after `timeoutMs` naming what did arrive. */
  waitFor(what: string, match: (r: Received) => boolean, timeoutMs: number): Promise<Received>;
  close(): Promise<void>;
}

/** The fields PagerDuty's Events API v2 refuses an event without (developer.pagerduty.com, "Send an Alert Event"). */
function pagerdutyProblems(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof body.routing_key !== 'string' || body.routing_key.length === 0) problems.push('routing_key is missing');
  if (!['trigger', 'acknowledge', 'resolve'].includes(String(body.event_action)))
    problems.push('event_action must be trigger, acknowledge or resolve');
  if (body.event_action === 'trigger') {
    const payload = body.payload as Record<string, unknown> | undefined;
    for (const field of ['summary', 'source', 'severity']) {
      if (!payload?.[field]) problems.push(`payload.${field} is missing`);
    }
    if (payload && !['critical', 'error', 'warning', 'info'].includes(String(payload.severity)))
      problems.push('payload.severity must be critical, error, warning or info');
  } else if (!body.dedup_key) {
    problems.push('dedup_key is missing');
  }
  return problems;
}

/**
 * A loopback server that answers like Slack's incoming webhooks (POST /slack: 200 "ok"; a body
 * without text or attachments gets 400 "no_text") and PagerDuty's Events API v2 (POST
 * /pagerduty/v2/enqueue: 202 with a dedup_key; an invalid event gets 400 with its errors), and
 * records what arrived, in order.
 */
export async function startReceiver(): Promise<LocalReceiver> {
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  const server: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        response.writeHead(400).end('invalid_payload');
        return;
      }
      const record = (kind: Received['kind']) => {
        received.push({ kind, at: Date.now(), body, headers: request.headers });
        waiters.forEach((wake) => wake());
      };
      if (request.method === 'POST' && request.url === '/slack') {
        if (!body.text && !body.attachments) {
          response.writeHead(400).end('no_text');
          return;
        }
        record('slack');
        response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      } else if (request.method === 'POST' && request.url === '/pagerduty/v2/enqueue') {
        const problems = pagerdutyProblems(body);
        if (problems.length > 0) {
          response.writeHead(400, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors: problems }),
          );
          return;
        }
        record('pagerduty');
        response.writeHead(202, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: body.dedup_key }));
      } else if (request.method === 'POST' && request.url === '/webhook') {
        record('webhook');
        response.writeHead(200).end();
      } else {
        response.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    slackUrl: `${url}/slack`,
    pagerdutyUrl: `${url}/pagerduty/v2/enqueue`,
    webhookUrl: `${url}/webhook`,
    received,
    waitFor(what, match, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = received.find(match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const got = received.map((r) => `${r.kind}: ${JSON.stringify(r.body).slice(0, 300)}`).join('\n  ');
          reject(new Error(`No ${what} within ${timeoutMs / 1000}s. Received:\n  ${got || '(nothing)'}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
