/** Records core/v1 Events on the operator's objects (best effort: a failure is only logged). */
import type { Logger } from 'pino';
import { microTimestamp, timestamp } from '../../apimachinery/meta.ts';
import { EVENTS, type KubeClient } from './client.ts';

export interface EventTarget {
  readonly apiVersion?: string | undefined;
  readonly kind?: string | undefined;
  readonly metadata: { name: string; namespace: string; uid: string };
}

export class EventRecorder {
  readonly #client: KubeClient;
  readonly #log: Logger;

  constructor(client: KubeClient, log: Logger) {
    this.#client = client;
    this.#log = log;
  }

  record(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const now = new Date();
    const body = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        generateName: `${target.metadata.name}.`,
        namespace: target.metadata.namespace,
      },
      involvedObject: {
        apiVersion: target.apiVersion ?? '',
        kind: target.kind ?? '',
        name: target.metadata.name,
        namespace: target.metadata.namespace,
        uid: target.metadata.uid,
      },
      type,
      reason,
      message,
      source: { component: 'canopy-postgres-operator' },
      reportingComponent: 'canopy-postgres-operator',
      reportingInstance: 'canopy-postgres-operator',
      action: reason,
      firstTimestamp: timestamp(now),
      lastTimestamp: timestamp(now),
      eventTime: microTimestamp(now),
      count: 1,
    };
    this.#client.create(EVENTS, target.metadata.namespace, body).catch((err: unknown) => {
      this.#log.debug({ err: (err as Error).message, reason }, 'cannot record event');
    });
  }
}
