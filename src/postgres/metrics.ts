/**
 * Prometheus metrics of the PostgreSQL operator: reconciles by kind and result, their
 * latency, failovers and switchovers, and the instances it runs by role and readiness.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconciles: Counter<'kind' | 'result'>;
  readonly reconcileDuration: Histogram<'kind'>;
  readonly failovers: Counter;
  readonly switchovers: Counter;
  readonly instances: Gauge<'namespace' | 'cluster' | 'role' | 'ready'>;
  readonly binariesFound: Gauge;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.reconciles = new Counter({
      name: 'canopy_postgres_reconcile_total',
      help: 'Reconciles by kind (Cluster, Database) and result (success, error).',
      labelNames: ['kind', 'result'],
      registers: [this.registry],
    });
    this.reconcileDuration = new Histogram({
      name: 'canopy_postgres_reconcile_duration_seconds',
      help: 'Reconcile latency by kind.',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    });
    this.failovers = new Counter({
      name: 'canopy_postgres_failovers_total',
      help: 'Automatic failovers performed.',
      registers: [this.registry],
    });
    this.switchovers = new Counter({
      name: 'canopy_postgres_switchovers_total',
      help: 'Switchovers performed (requested with status.targetPrimary or for a restart).',
      registers: [this.registry],
    });
    this.instances = new Gauge({
      name: 'canopy_postgres_instances',
      help: 'PostgreSQL instances run by this operator, by cluster, role and readiness.',
      labelNames: ['namespace', 'cluster', 'role', 'ready'],
      registers: [this.registry],
    });
    this.binariesFound = new Gauge({
      name: 'canopy_postgres_binaries_found',
      help: '1 when PostgreSQL server binaries were found, 0 otherwise.',
      registers: [this.registry],
    });
  }
}
