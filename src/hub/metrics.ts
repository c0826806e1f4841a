/**
 * Prometheus metrics of the hub: its HTTP requests by route and code, their latency, the
 * catalog's entries by readiness, and reconciles by result.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export class HubMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'code'>;
  readonly latency: Histogram<'route'>;
  readonly entries: Gauge<'ready'>;
  readonly reconciles: Counter<'result'>;

  /** `entries` counts the catalog's entries by readiness when scraped. */
  constructor(entries: () => { ready: number; notReady: number }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'canopy_hub_' });
    this.requests = new Counter({
      name: 'canopy_hub_http_requests_total',
      help: 'HTTP requests to the hub by route and code.',
      labelNames: ['route', 'code'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'canopy_hub_http_request_duration_seconds',
      help: 'Time to the end of the response by route (watches through the proxy included).',
      labelNames: ['route'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [this.registry],
    });
    this.entries = new Gauge({
      name: 'canopy_hub_catalog_entries',
      help: 'CatalogEntries in the catalog, by whether they are Ready.',
      labelNames: ['ready'],
      registers: [this.registry],
      collect() {
        const counts = entries();
        this.set({ ready: 'true' }, counts.ready);
        this.set({ ready: 'false' }, counts.notReady);
      },
    });
    this.reconciles = new Counter({
      name: 'canopy_hub_reconciles_total',
      help: 'CatalogEntry reconciles by result (ok, requeue, error).',
      labelNames: ['result'],
      registers: [this.registry],
    });
  }
}
