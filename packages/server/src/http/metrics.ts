/**
 * Prometheus metrics. Each app owns its registry (tests build many apps in one
 * process); domains add their own counters through `metrics.registry`.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Counts one HTTP request (label children are cached, so this is cheap on hot paths). */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** Returns the counter named `name`, creating it on first use. */
  counter<L extends string>(name: string, help: string, labels: readonly L[]): Counter<L>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'tollgate_' });
  const httpRequests = new Counter({
    name: 'tollgate_http_requests_total',
    help: 'HTTP requests by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'tollgate_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const counters = new Map<string, Counter<any>>();
  const children = new Map<string, { count: { inc(): void }; time: { observe(v: number): void } }>();
  return {
    registry,
    httpRequests,
    httpDuration,
    observeRequest(method, route, status, seconds) {
      const key = `${method} ${status} ${route}`;
      let child = children.get(key);
      if (!child) {
        const labels = { method, route, status: String(status) };
        child = { count: httpRequests.labels(labels), time: httpDuration.labels(labels) };
        children.set(key, child);
      }
      child.count.inc();
      child.time.observe(seconds);
    },
    counter<L extends string>(name: string, help: string, labels: readonly L[]) {
      let existing = counters.get(name);
      if (!existing) {
        existing = new Counter({ name, help, labelNames: labels as L[], registers: [registry] });
        counters.set(name, existing);
      }
      return existing as Counter<L>;
    },
  };
}
