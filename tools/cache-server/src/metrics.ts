import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** The server's Prometheus metrics, in a registry of its own so several servers can share a process (tests). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'nx_cache_server_' });
  const labelNames = ['namespace'] as const;
  return {
    registry,
    requests: new Counter({
      name: 'nx_cache_requests_total',
      help: 'Requests to the cache API, by method and HTTP status.',
      labelNames: ['method', 'status'] as const,
      registers: [registry],
    }),
    hits: new Counter({
      name: 'nx_cache_hits_total',
      help: 'GETs answered with an artifact.',
      labelNames,
      registers: [registry],
    }),
    misses: new Counter({
      name: 'nx_cache_misses_total',
      help: 'GETs answered 404.',
      labelNames,
      registers: [registry],
    }),
    stores: new Counter({
      name: 'nx_cache_stores_total',
      help: 'PUTs that stored a new artifact.',
      labelNames,
      registers: [registry],
    }),
    bytesIn: new Counter({
      name: 'nx_cache_bytes_in_total',
      help: 'Artifact bytes received and stored.',
      labelNames,
      registers: [registry],
    }),
    bytesOut: new Counter({
      name: 'nx_cache_bytes_out_total',
      help: 'Artifact bytes sent.',
      labelNames,
      registers: [registry],
    }),
    commitFailures: new Counter({
      name: 'nx_cache_commit_failures_total',
      help: 'Uploads answered 200 whose last flush or link then failed: each is a later cache miss. Alert on any.',
      registers: [registry],
    }),
    evicted: new Counter({
      name: 'nx_cache_evicted_entries_total',
      help: 'Entries deleted by eviction.',
      registers: [registry],
    }),
    evictionProblems: new Counter({
      name: 'nx_cache_eviction_problems_total',
      help: 'Paths an eviction sweep could not read or delete, and sweeps that failed: alert on its rate.',
      registers: [registry],
    }),
    storedBytes: new Gauge({
      name: 'nx_cache_stored_bytes',
      help: 'Bytes held after the last eviction sweep.',
      registers: [registry],
    }),
    storedEntries: new Gauge({
      name: 'nx_cache_stored_entries',
      help: 'Entries held after the last eviction sweep.',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
