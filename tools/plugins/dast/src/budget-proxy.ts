import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Budget } from './config';

/**
 * A reverse proxy on 127.0.0.1 that every scanner talks to instead of the service. It forwards only
 * to the one loopback upstream it was given (an absolute URL in a request line is ignored), counts
 * the requests, and enforces the scanner's budget: past `requests`, or after `timeS`, it drops
 * connections, so the scanner ends early and the run is reported as incomplete, never as clean.
 */
export interface BudgetProxy {
  url: string;
  /** Requests forwarded so far. */
  used(): number;
  /** Why the scanner was cut off, when it was. */
  exhausted(): string | undefined;
  close(): Promise<void>;
}

export async function startBudgetProxy(upstream: string, budget: Budget): Promise<BudgetProxy> {
  const target = new URL(upstream);
  if (target.hostname !== '127.0.0.1') {
    throw new Error(`The budget proxy forwards to loopback only, not ${upstream}.`);
  }
  let used = 0;
  let exhausted: string | undefined;
  const sockets = new Set<Socket>();

  const forward = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    if (exhausted || used >= budget.requests) {
      exhausted ??= `spent its request budget (${budget.requests} requests) before it finished`;
      incoming.socket.destroy();
      return;
    }
    used += 1;
    const url = new URL(incoming.url ?? '/', 'http://placeholder');
    const upstreamRequest = httpRequest(
      {
        host: '127.0.0.1',
        port: target.port,
        method: incoming.method,
        path: url.pathname + url.search,
        headers: { ...incoming.headers, host: target.host },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
        answer.pipe(outgoing);
      },
    );
    upstreamRequest.once('error', () => (outgoing.headersSent ? outgoing.destroy() : outgoing.writeHead(502).end()));
    incoming.pipe(upstreamRequest);
  };

  const server = createServer(forward);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('The budget proxy has no port.');

  const cutOff = () => {
    exhausted ??= `reached its time limit (${budget.timeS} s) before it finished`;
    for (const socket of sockets) socket.destroy();
    server.close();
  };
  const timer = setTimeout(cutOff, budget.timeS * 1000);
  timer.unref();

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${address.port}`,
    used: () => used,
    exhausted: () => exhausted,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      })),
  };
}
