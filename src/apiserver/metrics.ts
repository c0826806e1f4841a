/**
 * Prometheus metrics of the API server, named as kube-apiserver names them where one
 * exists: request counts and latencies by verb, group, resource and code, registered
 * watchers, watch events sent, and the store's revision.
 */
import { createHash } from 'node:crypto';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** How metrics name an OpenID issuer (as kube-apiserver: its URL stays out of the labels). */
export function issuerHash(issuer: string): string {
  return `sha256:${createHash('sha256').update(issuer).digest('hex')}`;
}

export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'verb' | 'group' | 'resource' | 'code'>;
  readonly latency: Histogram<'verb' | 'group' | 'resource'>;
  readonly watchers: Gauge;
  readonly watchEvents: Counter;
  readonly storeRevision: Gauge;
  readonly leader: Gauge;
  readonly etcdRequests: Histogram<'operation'>;
  readonly etcdErrors: Counter<'operation'>;
  readonly jwtAuthenticatorLatency: Histogram<'jwt_issuer_hash' | 'result'>;
  readonly jwtKeyFetches: Counter<'jwt_issuer_hash' | 'result'>;

  /**
   * `storeRevision` reads the store's revision; `etcdWatching`, given when the store is etcd,
   * whether its watch is connected.
   */
  constructor(storeRevision: () => Promise<number>, etcdWatching?: () => boolean) {
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
    this.etcdRequests = new Histogram({
      name: 'etcd_request_duration_seconds',
      help: 'etcd requests by operation (range, txn, compact), as kube-apiserver measures them.',
      labelNames: ['operation'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.etcdErrors = new Counter({
      name: 'etcd_request_errors_total',
      help: 'etcd requests that failed (etcd unreachable, no leader, timed out), by operation.',
      labelNames: ['operation'],
      registers: [this.registry],
    });
    this.jwtAuthenticatorLatency = new Histogram({
      name: 'apiserver_authentication_jwt_authenticator_latency_seconds',
      help: 'OpenID Connect token verifications not answered from the token cache, by issuer hash and result.',
      labelNames: ['jwt_issuer_hash', 'result'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.jwtKeyFetches = new Counter({
      name: 'canopy_authentication_jwt_key_fetches_total',
      help: "Fetches of an OpenID issuer's discovery document and keys (at start-up, on an unknown key ID, when old), by issuer hash and result.",
      labelNames: ['jwt_issuer_hash', 'result'],
      registers: [this.registry],
    });
    if (etcdWatching) {
      new Gauge({
        name: 'canopy_etcd_watch_connected',
        help: 'Whether the watch this replica follows etcd with is connected (0: it serves what it has seen, and requests wait or fail).',
        registers: [this.registry],
        collect() {
          this.set(etcdWatching() ? 1 : 0);
        },
      });
    }
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
