// Test helper: a server on 127.0.0.1 that accepts Sentry's envelope endpoint
// (POST /api/<project>/envelope/) and keeps what arrived, parsed into items.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface Received {
  path: string;
  query: URLSearchParams;
  header: Record<string, unknown>;
  items: Array<{ header: Record<string, unknown>; payload: Record<string, unknown> }>;
  raw: string;
}

/** Envelope items: a header line, then a payload of `length` bytes or up to the next newline. */
export function parseEnvelope(body: Buffer): Pick<Received, 'header' | 'items'> {
  let rest = body;
  const line = () => {
    const end = rest.indexOf(10);
    const taken = end < 0 ? rest : rest.subarray(0, end);
    rest = end < 0 ? Buffer.alloc(0) : rest.subarray(end + 1);
    return taken;
  };
  const header = JSON.parse(line().toString('utf8'));
  const items = [];
  while (rest.length && rest.toString('utf8').trim()) {
    const itemHeader = JSON.parse(line().toString('utf8'));
    let payload: Buffer;
    if (typeof itemHeader.length === 'number') {
      payload = rest.subarray(0, itemHeader.length);
      rest = rest.subarray(itemHeader.length + 1);
    } else payload = line();
    const text = payload.toString('utf8');
    items.push({ header: itemHeader, payload: text.startsWith('{') ? JSON.parse(text) : { raw: text } });
  }
  return { header, items };
}

export interface EnvelopeServer {
  dsn: (project: string) => string;
  received: Received[];
  /** Resolves once `count` envelopes arrived (the test's own timeout bounds the wait). */
  waitFor: (count: number) => Promise<Received[]>;
  close: () => Promise<void>;
}

export async function startEnvelopeServer(): Promise<EnvelopeServer> {
  const received: Received[] = [];
  const waiting: Array<() => void> = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      if (request.method === 'POST' && /^\/api\/[^/]+\/envelope\/$/.test(url.pathname)) {
        received.push({
          path: url.pathname,
          query: url.searchParams,
          raw: body.toString('utf8'),
          ...parseEnvelope(body),
        });
        waiting.splice(0).forEach((wake) => wake());
      }
      // Browsers post cross-origin: answer CORS like Sentry does.
      response.writeHead(200, { 'access-control-allow-origin': '*', 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  const waitFor = async (count: number) => {
    while (received.length < count) await new Promise<void>((wake) => waiting.push(wake));
    return received;
  };
  return {
    dsn: (project) => `http://publickey@127.0.0.1:${port}/${project}`,
    received,
    waitFor,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
