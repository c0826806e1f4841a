/**
 * Records core/v1 Events, as client-go's event recorder does: repeats of the same type,
 * reason and message on the same object within ten minutes bump the existing Event's
 * count instead of creating another one (the event correlator). A count is written at most
 * every 30 s per Event: repeats in between are counted and go out together (a controller
 * syncing one object every few seconds would otherwise write its Event as often as the
 * object; client-go's spam filter drops such repeats altogether). Best effort: a failure
 * is only logged.
 *
 * Written as client-go's broadcaster writes them: one at a time, in order, with at most
 * 1,000 waiting; beyond that an Event is dropped (counted by `onDrop`). Events describe the
 * work and must not compete with it: written as they came, a fleet's sync agent spent a
 * third of its writes on the control plane on Events, which then waited behind them.
 *
 * The recorder writes either through one client or through a client per logical cluster
 * (a virtual workspace, where events on tenant objects go into the tenant's workspace).
 * In the second form, events are a permission claim: a workspace that answers 403 or 404
 * (claim not accepted) is skipped quietly for a minute, or until `allow` says its claims
 * changed (a tenant who accepts the claim sees the next events at once).
 */
import { randomBytes } from 'node:crypto';
import { timestamp } from '../../apimachinery/meta.ts';
import type { Logger } from '../../logging/logger.ts';
import { EVENTS, isForbidden, isNotFound, type ResourceRef } from './client.ts';

/** What the recorder needs of a client (a `KubeClient` is one): create an Event, bump its count. */
export interface EventClient {
  create(ref: ResourceRef, namespace: string | undefined, body: unknown): Promise<unknown>;
  patch(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    body: unknown,
  ): Promise<unknown>;
}

/** The object an Event is about (`involvedObject`). */
export interface EventTarget {
  readonly apiVersion?: string | undefined;
  readonly kind?: string | undefined;
  readonly name: string;
  readonly namespace?: string | undefined;
  readonly uid?: string | undefined;
}

/** An object itself can be the target. */
export interface EventObject {
  readonly apiVersion?: string | undefined;
  readonly kind?: string | undefined;
  readonly metadata: {
    readonly name?: string | undefined;
    readonly namespace?: string | undefined;
    readonly uid?: string | undefined;
  };
}

export type EventType = 'Normal' | 'Warning';

interface Recent {
  name: string;
  namespace: string;
  count: number;
  /** The last occurrence (ms) and its timestamp. */
  at: number;
  last: string;
  /** When the count was last written (ms). */
  written: number;
  /** A write of the count is scheduled. */
  pending: boolean;
}

const AGGREGATE_MS = 10 * 60_000;
/** How often at most an Event's count is written. */
export const EVENT_COUNT_EVERY_MS = 30_000;
/** Events waiting to be written at most (client-go's `maxQueuedEvents`); more are dropped. */
export const MAX_QUEUED_EVENTS = 1000;

/** A write waiting in the queue: an Event's creation or its count. */
interface QueuedWrite {
  readonly cluster: string;
  readonly write: () => Promise<void>;
}

export interface EventRecorderOptions {
  /** Called for each Event dropped because too many were waiting (a metric). */
  readonly onDrop?: () => void;
}

function targetOf(t: EventTarget | EventObject): EventTarget {
  if (!('metadata' in t)) return t;
  return {
    apiVersion: t.apiVersion,
    kind: t.kind,
    name: t.metadata.name ?? '',
    namespace: t.metadata.namespace,
    uid: t.metadata.uid,
  };
}

export class EventRecorder {
  readonly #clientFor: (cluster: string) => EventClient;
  readonly #perCluster: boolean;
  readonly #log: Logger;
  readonly #component: string;
  readonly #recent = new Map<string, Recent>();
  /** Workspaces where events cannot be written (claim not accepted), until a time. */
  readonly #blocked = new Map<string, number>();
  readonly #queue: QueuedWrite[] = [];
  readonly #onDrop: (() => void) | undefined;
  #writing: Promise<void> | undefined;
  #droppedLoggedAt = 0;

  /** `client`: one client, or the client for a logical cluster's events. */
  constructor(
    client: EventClient | ((cluster: string) => EventClient),
    log: Logger,
    component: string,
    options: EventRecorderOptions = {},
  ) {
    this.#perCluster = typeof client === 'function';
    this.#clientFor = typeof client === 'function' ? client : () => client;
    this.#log = log;
    this.#component = component;
    this.#onDrop = options.onDrop;
  }

  /** Resolves once every Event recorded so far has been written (or has failed). */
  async idle(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  /** Events may be writable in `cluster` again: its permission claims changed. */
  allow(cluster: string): void {
    this.#blocked.delete(cluster);
  }

  /** `cluster` picks the client when the recorder has one per logical cluster. */
  record(
    target: EventTarget | EventObject,
    type: EventType,
    reason: string,
    message: string,
    cluster = '',
  ): void {
    if (this.#isBlocked(cluster)) return;
    const t = targetOf(target);
    const now = new Date();
    this.#enqueue(cluster, t.name, reason, () =>
      this.#record(cluster, t, type, reason, message, now),
    );
  }

  #isBlocked(cluster: string): boolean {
    const until = this.#blocked.get(cluster);
    return until !== undefined && until > Date.now();
  }

  /** Queues a write (dropped when too many wait); one writer drains the queue in order. */
  #enqueue(cluster: string, object: string, reason: string, write: () => Promise<void>): void {
    if (this.#queue.length >= MAX_QUEUED_EVENTS) {
      this.#onDrop?.();
      if (Date.now() - this.#droppedLoggedAt > 60_000) {
        this.#droppedLoggedAt = Date.now();
        this.#log.warn(
          { queued: this.#queue.length, object, reason },
          'too many events waiting to be written; dropping events',
        );
      }
      return;
    }
    this.#queue.push({
      cluster,
      write: () =>
        write().catch((err: unknown) => {
          if (this.#perCluster && (isForbidden(err) || isNotFound(err)))
            this.#blocked.set(cluster, Date.now() + 60_000);
          this.#log.debug(
            { cluster, object, reason, err: (err as Error).message },
            'cannot record event',
          );
        }),
    });
    this.#writing ??= this.#drain();
  }

  async #drain(): Promise<void> {
    // Started from record(): the first write waits for the caller's turn to end.
    await Promise.resolve();
    for (let next = this.#queue.shift(); next; next = this.#queue.shift())
      if (!this.#isBlocked(next.cluster)) await next.write();
    this.#writing = undefined;
  }

  async #record(
    cluster: string,
    target: EventTarget,
    type: EventType,
    reason: string,
    message: string,
    now: Date,
  ): Promise<void> {
    const namespace = target.namespace || 'default';
    const client = this.#clientFor(cluster);
    const key = `${cluster}|${target.uid ?? `${namespace}/${target.name}`}|${type}|${reason}|${message}`;
    const recent = this.#recent.get(key);
    if (recent && now.getTime() - recent.at < AGGREGATE_MS) {
      recent.count++;
      recent.at = now.getTime();
      recent.last = timestamp(now);
      // Kept in order of last occurrence, so that expired ones are found at the front.
      this.#recent.delete(key);
      this.#recent.set(key, recent);
      // A write already scheduled carries this occurrence too.
      if (recent.pending) return;
      const wait = recent.written + EVENT_COUNT_EVERY_MS - Date.now();
      if (wait > 0) {
        recent.pending = true;
        setTimeout(() => {
          recent.pending = false;
          this.#enqueue(cluster, target.name, reason, async () => {
            try {
              await this.#writeCount(client, recent);
            } catch (err) {
              if (isNotFound(err)) this.#recent.delete(key);
              throw err;
            }
          });
        }, wait).unref();
        return;
      }
      try {
        await this.#writeCount(client, recent);
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    this.#forgetExpired();
    const name = `${target.name}.${randomBytes(8).toString('hex')}`.slice(0, 253);
    await client.create(EVENTS, namespace, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: target.apiVersion ?? '',
        kind: target.kind ?? '',
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
    this.#recent.delete(key);
    this.#recent.set(key, {
      name,
      namespace,
      count: 1,
      at: now.getTime(),
      last: timestamp(now),
      written: Date.now(),
      pending: false,
    });
  }

  /**
   * Drops the Events whose last occurrence is past the aggregation window: the oldest, at
   * the front of the map, so this stops at the first one still current. (A scan of the
   * whole map on each new Event cost a fleet's agent O(objects) per Event: 3 ms each with
   * 40,000 in the window.)
   */
  #forgetExpired(): void {
    const cutoff = Date.now() - AGGREGATE_MS;
    for (const [k, v] of this.#recent) {
      if (v.at >= cutoff) break;
      this.#recent.delete(k);
    }
  }

  #writeCount(client: EventClient, recent: Recent): Promise<unknown> {
    recent.written = Date.now();
    return client.patch(EVENTS, recent.namespace, recent.name, {
      count: recent.count,
      lastTimestamp: recent.last,
    });
  }
}
