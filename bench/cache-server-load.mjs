#!/usr/bin/env node
// The load generator of bench/cache-server.sh: `clients` keep-alive connections on loopback, each
// sending GETs (or PUTs of `file`) one after the other until `seconds` have passed; in-flight
// transfers are cut at the deadline and their bytes so far counted, so a cell of 64 clients x
// 500 MB takes `seconds`, not 32 GB of traffic. Prints one JSON line: bytes, seconds, completed
// requests, failed requests (a non-2xx answer, a short body or a connection error).
// A PUT's bytes count once the server has read them from its socket: at the deadline, the bytes
// read from the file but still in this process's buffers or in the kernel's socket queues (the
// client side's Send-Q and the server side's Recv-Q of every connection to the port, as --ss
// lists them) are taken off the count and reported as `queued`. Those queues grow with how fast a
// server has been reading (the kernel sizes a socket's receive buffer to that, up to tcp_rmem's
// 32 MiB here): at 64 clients x 50 MiB they held 400-700 MiB for nginx against 240-440 MiB for the
// cache server at the cut, counted as moved when they were not.
//
//   node bench/cache-server-load.mjs --method GET --url http://127.0.0.1:8080/main/ab/abcd \
//     --clients 16 --seconds 3 [--token T] [--size BYTES]
//   node bench/cache-server-load.mjs --method PUT --url http://127.0.0.1:8080/dav/ --file F --clients 16 --seconds 3 --ss /usr/bin/ss
//
// For PUT, --url is a prefix: each request appends its own unique name (a new cache hash).
import { execFileSync } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    method: { type: 'string' },
    url: { type: 'string' },
    file: { type: 'string' },
    token: { type: 'string' },
    size: { type: 'string' },
    clients: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '3' },
    prefix: { type: 'string', default: 'pp' },
    ss: { type: 'string' },
  },
});
const method = values.method;
if (method !== 'GET' && method !== 'PUT') throw new Error('--method GET or --method PUT');
if (!values.url) throw new Error('--url is required');
if (method === 'PUT' && !values.file) throw new Error('--file is required for PUT');
if (method === 'PUT' && !values.ss) throw new Error('--ss is required for PUT (the path of iproute2 ss)');
const clients = Number(values.clients);
const deadline = Date.now() + Number(values.seconds) * 1000;
const agent = new Agent({ keepAlive: true, maxSockets: clients });
const headers = values.token ? { authorization: `Bearer ${values.token}` } : {};
const putSize = method === 'PUT' ? statSync(values.file).size : 0;
const expectedSize = method === 'GET' ? Number(values.size ?? NaN) : putSize;

let bytes = 0;
let queued = 0;
let completed = 0;
let failed = 0;
const failures = [];
const inFlight = new Set();
// Set when the deadline timer has cut the transfers: a timer can fire a little before Date.now()
// reaches the deadline, and a request started in between would run to its end.
let stopped = false;
const started = process.hrtime.bigint();

function fail(reason) {
  failed += 1;
  if (failures.length < 5) failures.push(reason);
}

function once(client, seq) {
  return new Promise((done) => {
    const url = method === 'PUT' ? `${values.url}${values.prefix}${client}x${seq}` : values.url;
    const req = request(
      url,
      {
        method,
        agent,
        headers: method === 'PUT' ? { ...headers, 'content-length': putSize } : headers,
      },
      (res) => {
        let received = 0;
        res.on('data', (chunk) => {
          received += chunk.length;
          if (method === 'GET') bytes += chunk.length;
        });
        res.on('end', () => {
          inFlight.delete(req);
          if (res.statusCode < 200 || res.statusCode > 299) fail(`${method} ${url}: HTTP ${res.statusCode}`);
          else if (method === 'GET' && received !== expectedSize)
            fail(`GET ${url}: ${received} bytes, expected ${expectedSize}`);
          else completed += 1;
          done();
        });
        res.on('error', () => done());
      },
    );
    inFlight.add(req);
    req.on('error', (error) => {
      inFlight.delete(req);
      // A transfer cut at the deadline is not a failure: its bytes so far count.
      if (!stopped) fail(`${method} ${url}: ${error.message}`);
      done();
    });
    if (method === 'GET') req.end();
    else {
      const body = createReadStream(values.file, { highWaterMark: 1024 * 1024 });
      body.on('data', (chunk) => {
        bytes += chunk.length;
      });
      body.pipe(req);
    }
  });
}

async function client(id) {
  for (let seq = 0; !stopped && Date.now() < deadline; seq += 1) await once(id, seq);
}

// Bytes of the PUT bodies not yet read by the server: in this process (each request's writable
// buffer) and in the kernel (ss -tn lists Recv-Q, Send-Q, local and peer address per socket).
function queuedBytes() {
  let total = 0;
  for (const req of inFlight) total += req.writableLength;
  const port = new URL(values.url).port;
  const out = execFileSync(values.ss, ['-tnH', 'state', 'established', `( sport = :${port} or dport = :${port} )`], {
    encoding: 'utf8',
  });
  for (const line of out.trim().split('\n').filter(Boolean)) {
    const [recvQ, sendQ, local] = line.trim().split(/\s+/);
    total += local.endsWith(`:${port}`) ? Number(recvQ) : Number(sendQ);
  }
  return total;
}

const timer = setTimeout(
  () => {
    stopped = true;
    if (method === 'PUT') queued = queuedBytes();
    for (const req of inFlight) req.destroy();
  },
  Math.max(0, deadline - Date.now()),
);
await Promise.all(Array.from({ length: clients }, (_, id) => client(id)));
clearTimeout(timer);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
agent.destroy();
process.stdout.write(`${JSON.stringify({ bytes: bytes - queued, queued, seconds, completed, failed, failures })}\n`);
