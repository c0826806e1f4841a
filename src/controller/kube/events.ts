/**
 * Records core/v1 Events, as client-go's event recorder does: repeats of the same type,
 * reason and message on the same object within ten minutes bump the existing Event's
 * count instead of creating another one (the event correlator). A count is written at most
 * every 30 s per Event: repeats in between are counted and go out together (a controller
 * syncing one object every few seconds would otherwise write its Event as often as the
 * object; client-go's spam filter drops such repeats altogether). Best effort: a failure
 * is only logged.
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

  /** `client`: one client, or the client for a logical cluster's events. */
  constructor(
    client: EventClient | ((cluster: string) => EventClient),
    log: Logger,
    component: string,
  ) {
    this.#perCluster = typeof client === 'function';
    this.#clientFor = typeof client === 'function' ? client : () => client;
    this.#log = log;
    this.#component = component;
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
    const until = this.#blocked.get(cluster);
    if (until && until > Date.now()) return;
    const t = targetOf(target);
    void this.#record(cluster, t, type, reason, message).catch((err: unknown) => {
      if (this.#perCluster && (isForbidden(err) || isNotFound(err)))
        this.#blocked.set(cluster, Date.now() + 60_000);
      this.#log.debug(
        { cluster, object: t.name, reason, err: (err as Error).message },
        'cannot record event',
      );
    });
  }

  async #record(
    cluster: string,
    target: EventTarget,
    type: EventType,
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
          this.#writeCount(client, recent).catch((err: unknown) => {
            if (isNotFound(err)) this.#recent.delete(key);
            this.#log.debug(
              { cluster, object: target.name, reason, err: (err as Error).message },
              'cannot record event',
            );
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
    const at = Date.now();
    this.#recent.delete(key);
    this.#recent.set(key, {
      name,
      namespace,
      count: 1,
      at,
      last: timestamp(now),
      written: at,
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
