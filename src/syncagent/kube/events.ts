/**
 * Events on tenant objects, written through the virtual workspace into the tenant's
 * workspace (events are a permission claim; where the tenant did not accept it, events
 * are skipped quietly). Repeats of the same reason and message on the same object within
 * ten minutes bump the existing Event's count instead of creating another one, as
 * client-go's event correlator does. Best effort: failures are only logged.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { timestamp } from '../../apimachinery/meta.ts';
import { EVENTS, isForbidden, isNotFound, type KubeClient } from './client.ts';

export interface EventTarget {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
}

interface Recent {
  name: string;
  namespace: string;
  count: number;
  first: string;
  at: number;
}

const AGGREGATE_MS = 10 * 60_000;

export class EventRecorder {
  readonly #clientFor: (cluster: string) => KubeClient;
  readonly #log: Logger;
  readonly #component: string;
  readonly #recent = new Map<string, Recent>();
  /** Workspaces where events cannot be written (claim not accepted), until a time. */
  readonly #blocked = new Map<string, number>();

  constructor(clientFor: (cluster: string) => KubeClient, log: Logger, component: string) {
    this.#clientFor = clientFor;
    this.#log = log;
    this.#component = component;
  }

  record(
    cluster: string,
    target: EventTarget,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): void {
    const until = this.#blocked.get(cluster);
    if (until && until > Date.now()) return;
    void this.#record(cluster, target, type, reason, message).catch((err: unknown) => {
      if (isForbidden(err) || isNotFound(err)) this.#blocked.set(cluster, Date.now() + 60_000);
      this.#log.debug(
        { cluster, object: target.name, reason, err: (err as Error).message },
        'cannot record event',
      );
    });
  }

  async #record(
    cluster: string,
    target: EventTarget,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    const namespace = target.namespace || 'default';
    const client = this.#clientFor(cluster);
    const key = `${cluster}|${target.uid ?? `${namespace}/${target.name}`}|${type}|${reason}|${message}`;
    const now = new Date();
    const recent = this.#recent.get(key);
    if (recent && Date.now() - recent.at < AGGREGATE_MS) {
      recent.count++;
      recent.at = Date.now();
      try {
        await client.patch(EVENTS, recent.namespace, recent.name, {
          count: recent.count,
          lastTimestamp: timestamp(now),
        });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (this.#recent.size > 5000) {
      const cutoff = Date.now() - AGGREGATE_MS;
      for (const [k, v] of this.#recent) if (v.at < cutoff) this.#recent.delete(k);
    }
    const name = `${target.name}.${randomBytes(8).toString('hex')}`.slice(0, 253);
    await client.create(EVENTS, namespace, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: target.apiVersion,
        kind: target.kind,
        name: target.name,
        ...(target.namespace ? { namespace: target.namespace } : {}),
        ...(target.uid ? { uid: target.uid } : {}),
      },
      type,
      reason,
      message,
      source: { component: this.#component },
      reportingComponent: this.#component,
      reportingInstance: this.#component,
      action: reason,
      firstTimestamp: timestamp(now),
      lastTimestamp: timestamp(now),
      count: 1,
    });
    this.#recent.set(key, { name, namespace, count: 1, first: timestamp(now), at: Date.now() });
  }
}
