/** The agent's Prometheus metrics (its own registry, served on --metrics-address /metrics). */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export class AgentMetrics {
  readonly registry = new Registry();
  /** api-syncagent's gauge. */
  readonly publishedResources = new Gauge({
    name: 'sync_agent_published_resource',
    help: 'Number of PublishedResources currently managed by this syncagent instance.',
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'syncagent_leader',
    help: '1 while this replica leads (or leader election is off), 0 while it waits.',
    registers: [this.registry],
  });
  readonly reconciles = new Counter({
    name: 'syncagent_reconcile_total',
    help: 'Reconciles by controller and result.',
    labelNames: ['controller', 'result'] as const,
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: 'syncagent_reconcile_duration_seconds',
    help: 'Reconcile duration by controller.',
    labelNames: ['controller'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly synced = new Counter({
    name: 'syncagent_objects_synced_total',
    help: 'Writes the agent made while syncing, by published resource and action.',
    labelNames: ['published_resource', 'action'] as const,
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'syncagent_queue_depth',
    help: 'Keys queued or running, by controller.',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });
  readonly watchFailures = new Counter({
    name: 'syncagent_watch_failures_total',
    help: 'Failed lists and watches (each is retried with backoff), by watch.',
    labelNames: ['watch'] as const,
    registers: [this.registry],
  });
  readonly workspaceCleanups = new Counter({
    name: 'syncagent_workspace_cleanups_total',
    help: 'Workspaces whose service-side objects and namespaces were removed after they unbound.',
    registers: [this.registry],
  });

  readonly eventsDropped = new Counter({
    name: 'syncagent_events_dropped_total',
    help: 'Events not written because 1,000 were already waiting (as client-go drops them).',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Runs one reconcile of `controller`: its duration and result (success, error) counted. */
  async timeReconcile<T>(controller: string, reconcile: () => Promise<T>): Promise<T> {
    const end = this.reconcileDuration.startTimer({ controller });
    try {
      const result = await reconcile();
      this.reconciles.inc({ controller, result: 'success' });
      return result;
    } catch (err) {
      this.reconciles.inc({ controller, result: 'error' });
      throw err;
    } finally {
      end();
    }
  }
}
