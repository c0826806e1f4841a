/**
 * Prometheus metrics of the API server, named as kube-apiserver names them where one
 * exists: request counts and latencies by verb, group, resource and code, registered
 * watchers, watch events sent, and the store's revision.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'verb' | 'group' | 'resource' | 'code'>;
  readonly latency: Histogram<'verb' | 'group' | 'resource'>;
  readonly watchers: Gauge;
  readonly watchEvents: Counter;
  readonly storeRevision: Gauge;
  readonly leader: Gauge;

  constructor(storeRevision: () => Promise<number>) {
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'apiserver_request_total',
      help: 'Requests by verb, group, resource and HTTP code.',
      labelNames: ['verb', 'group', 'resource', 'code'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Request latency by verb, group and resource (watches excluded).',
      labelNames: ['verb', 'group', 'resource'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.watchers = new Gauge({
      name: 'apiserver_registered_watchers',
      help: 'Watch requests being served.',
      registers: [this.registry],
    });
    this.watchEvents = new Counter({
      name: 'apiserver_watch_events_total',
      help: 'Watch events sent to clients.',
      registers: [this.registry],
    });
    this.leader = new Gauge({
      name: 'canopy_controllers_leader',
      help: "1 while this replica runs the control plane's controllers (it holds the Lease kube-system/canopy-controllers in root), else 0.",
      registers: [this.registry],
    });
    this.storeRevision = new Gauge({
      name: 'canopy_store_revision',
      help: 'The revision of the last write to the store.',
      registers: [this.registry],
      async collect() {
        this.set(await storeRevision());
      },
    });
  }
}
