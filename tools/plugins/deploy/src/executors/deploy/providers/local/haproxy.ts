import { createConnection } from 'node:net';

export const SLOTS = ['blue', 'green'] as const;
export type Slot = (typeof SLOTS)[number];
export const BACKEND = 'app';

/**
 * HAProxy in front of the two slots. Both servers exist from the start in maintenance; a release
 * is put in a slot through the runtime API (address, weight, state), so no traffic shift ever
 * needs a reload. HAProxy's own health checks keep a dying release out, failed connections are
 * retried on the other slot, and the built-in Prometheus exporter gives per-server 5xx and
 * connection-error counts that do not depend on the app's own metrics (for people reading the
 * environment's Prometheus; the canary analysis reads the releases' recording rules).
 */
export function haproxyConfig(o: {
  socket: string;
  pidFile: string;
  port: number;
  statsPort: number;
  healthPath: string;
}): string {
  return `# Written by the nx-pipeline deploy executor (local provider); changed at runtime through ${o.socket}.
global
  stats socket ${o.socket} mode 600 level admin
  pidfile ${o.pidFile}
  maxconn 4096

defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  timeout http-keep-alive 5s
  option redispatch
  retries 2
  retry-on conn-failure empty-response

frontend ${BACKEND}
  bind 127.0.0.1:${o.port}
  # The app trusts X-Forwarded-For from this proxy (FORWARDED_ALLOW_IPS): say who connected, never pass the client's own.
  http-request set-header X-Forwarded-For %[src]
  default_backend ${BACKEND}

frontend stats
  bind 127.0.0.1:${o.statsPort}
  http-request use-service prometheus-exporter if { path /metrics }
  stats enable
  stats uri /stats

backend ${BACKEND}
  balance roundrobin
  option httpchk GET ${o.healthPath}
  default-server inter 250ms fall 2 rise 1 weight 0
${SLOTS.map((slot) => `  server ${slot} 127.0.0.1:9 disabled check`).join('\n')}
`;
}

const RUNTIME_ERRORS = /no such|unknown|require|not found|invalid|cannot|can't|error/i;

/** Sends one command to HAProxy's runtime API (stats socket) and returns its answer. */
export function runtimeCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const connection = createConnection(socket);
    let answer = '';
    connection.setTimeout(5_000, () => connection.destroy(new Error(`HAProxy did not answer "${command}" within 5 s`)));
    connection.on('connect', () => connection.end(`${command}\n`));
    connection.on('data', (chunk) => (answer += chunk.toString()));
    connection.on('error', (error) =>
      reject(
        new Error(
          `HAProxy runtime API at ${socket}: ${error.message}. Is HAProxy running? Deploy again to restart it.`,
        ),
      ),
    );
    connection.on('close', () => resolve(answer.trim()));
  });
}

/** Runs a "set ..." command and throws with HAProxy's own words when it refused it. */
export async function runtimeSet(socket: string, command: string): Promise<void> {
  const answer = await runtimeCommand(socket, command);
  // "IP changed from ..." is HAProxy's normal answer to "set server ... addr".
  if (answer && RUNTIME_ERRORS.test(answer) && !/changed from/i.test(answer)) {
    throw new Error(`HAProxy refused "${command}": ${answer}`);
  }
}

/** The commands that put a release (address) into a slot with no traffic. */
export function slotCommands(slot: Slot, port: number): string[] {
  return [
    `set server ${BACKEND}/${slot} addr 127.0.0.1 port ${port}`,
    `set weight ${BACKEND}/${slot} 0`,
    `set server ${BACKEND}/${slot} state ready`,
  ];
}

/**
 * The commands for a traffic split, `percent` to `to` and the rest to `from`. The side that gets
 * traffic is set first, so there is no moment when both weights are 0 (HAProxy would answer 503).
 */
export function weightCommands(from: Slot | null, to: Slot, percent: number): string[] {
  const first = `set weight ${BACKEND}/${to} ${percent}`;
  return from ? [first, `set weight ${BACKEND}/${from} ${100 - percent}`] : [first];
}

/** The status HAProxy reports for a server ("UP", "DOWN", "MAINT", "UP 1/2", ...) from `show stat`. */
export async function serverStatus(socket: string, slot: Slot): Promise<string> {
  const csv = await runtimeCommand(socket, 'show stat');
  const [header, ...rows] = csv.split('\n');
  const columns = header.replace(/^# /, '').split(',');
  const at = (name: string) => columns.indexOf(name);
  const row = rows.map((r) => r.split(',')).find((r) => r[at('pxname')] === BACKEND && r[at('svname')] === slot);
  return row ? row[at('status')] : 'absent';
}
