export interface HaproxyOptions {
  /** Where clients (Nx) connect, e.g. "127.0.0.1:8080". */
  bind: string;
  /** host:port of each cache server replica. */
  replicas: string[];
}

/**
 * An HAProxy configuration for cache server replicas sharing one S3 bucket. The replicas hold no
 * state, so any of them answers any request: a failed health check (GET /healthz every 200 ms, one
 * failure) takes a replica out, and a request sent to a replica that died before the check noticed
 * is retried on another one (`retries`, `option redispatch`, `retry-on`). HAProxy can only retry a
 * request it still holds whole: `option http-buffer-request` reads the body before connecting, and
 * bodies up to tune.bufsize (here 1 MiB) are kept for a retry; a larger PUT cut by a dying replica
 * fails, and Nx runs the task's cache write again on its next run. Each answer names its replica
 * in X-Cache-Replica.
 */
export function haproxyConfig({ bind, replicas }: HaproxyOptions): string {
  return `global
  maxconn 1024
  tune.bufsize 1048576

defaults
  mode http
  timeout connect 1s
  timeout client 5m
  timeout server 5m
  timeout http-request 5m
  option http-buffer-request
  option redispatch 1
  retries 3
  retry-on conn-failure empty-response response-timeout 502 503 504

frontend nx_cache
  bind ${bind}
  default_backend replicas

backend replicas
  balance roundrobin
  option httpchk GET /healthz
  http-check expect status 200
  default-server inter 200ms fall 1 rise 2
  http-response set-header X-Cache-Replica %s
${replicas.map((address, i) => `  server replica${i + 1} ${address} check`).join('\n')}
`;
}
