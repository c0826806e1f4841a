import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../logging/logger.ts';
import { KubeError, type ResourceRef } from './client.ts';
import {
  EVENT_COUNT_EVERY_MS,
  type EventClient,
  EventRecorder,
  MAX_QUEUED_EVENTS,
} from './events.ts';

/** A workspace's events endpoint: refuses while the claim is not accepted, keeps what it gets. */
class Workspace implements EventClient {
  claimed = false;
  readonly created: Array<{ reason: string; count: number }> = [];
  readonly patched: Array<{ name: string; count: number }> = [];
  #settled: Promise<void> = Promise.resolve();

  async create(_ref: ResourceRef, _ns: string | undefined, body: unknown): Promise<unknown> {
    return this.#track(async () => {
      if (!this.claimed) throw new KubeError(403, 'Forbidden', 'events is not claimed');
      const event = body as { reason: string; count: number };
      this.created.push({ reason: event.reason, count: event.count });
      return body;
    });
  }

  async patch(
    _ref: ResourceRef,
    _ns: string | undefined,
    name: string,
    body: unknown,
  ): Promise<unknown> {
    return this.#track(async () => {
      this.patched.push({ name, count: (body as { count: number }).count });
      return body;
    });
  }

  #track<T>(fn: () => Promise<T>): Promise<T> {
    const p = fn();
    this.#settled = p.then(
      () => undefined,
      () => undefined,
    );
    return p;
  }

  /** Resolves once the last request has been answered (and the recorder has seen it). */
  async settled(): Promise<void> {
    await this.#settled;
    await new Promise((r) => setImmediate(r));
  }
}

/** Every Event recorded so far written, and its answer seen. */
async function settled(recorder: EventRecorder, ws: Workspace): Promise<void> {
  await recorder.idle();
  await ws.settled();
}

const target = {
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  name: 'kcp',
  namespace: 'default',
  uid: 'u1',
};

describe('EventRecorder', () => {
  it('skips a workspace that refuses events until its claims change', async () => {
    const ws = new Workspace();
    const recorder = new EventRecorder(() => ws, silentLogger(), 'test');
    recorder.record(target, 'Warning', 'PermissionClaimNotAccepted', 'accept it');
    await settled(recorder, ws);
    expect(ws.created).toEqual([]);

    // Accepted now, but the recorder does not know: it keeps skipping the workspace.
    ws.claimed = true;
    recorder.record(target, 'Normal', 'ObjectPlaced', 'placed', '');
    await settled(recorder, ws);
    expect(ws.created).toEqual([]);

    // Told that the claims changed, it writes the next event at once.
    recorder.allow('');
    recorder.record(target, 'Normal', 'ObjectPlaced', 'placed', '');
    await settled(recorder, ws);
    expect(ws.created).toEqual([{ reason: 'ObjectPlaced', count: 1 }]);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts repeats on the existing Event, written at most every 30 s', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const ws = new Workspace();
    ws.claimed = true;
    const recorder = new EventRecorder(() => ws, silentLogger(), 'test');
    recorder.record(target, 'Normal', 'ObjectStatusSynced', 'copied');
    await settled(recorder, ws);
    // Three repeats soon after: counted, not written yet.
    for (let i = 0; i < 3; i++) recorder.record(target, 'Normal', 'ObjectStatusSynced', 'copied');
    await settled(recorder, ws);
    expect(ws.created).toHaveLength(1);
    expect(ws.patched).toEqual([]);
    // One write with all of them once the interval has passed.
    await vi.advanceTimersByTimeAsync(EVENT_COUNT_EVERY_MS);
    await settled(recorder, ws);
    expect(ws.patched).toEqual([{ name: expect.stringMatching(/^kcp\./), count: 4 }]);
    // A repeat after a quiet interval is written at once.
    await vi.advanceTimersByTimeAsync(EVENT_COUNT_EVERY_MS);
    recorder.record(target, 'Normal', 'ObjectStatusSynced', 'copied');
    await settled(recorder, ws);
    expect(ws.patched.map((p) => p.count)).toEqual([4, 5]);
    expect(ws.created).toHaveLength(1);
  });

  it('forgets an Event ten minutes after its last occurrence, not after its first', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const ws = new Workspace();
    ws.claimed = true;
    const recorder = new EventRecorder(() => ws, silentLogger(), 'test');
    const other = { ...target, name: 'other', uid: 'u2' };
    const minutes = (m: number) => vi.advanceTimersByTimeAsync(m * 60_000);
    recorder.record(target, 'Normal', 'ObjectSynced', 'synced');
    await settled(recorder, ws);
    await minutes(9);
    recorder.record(target, 'Normal', 'ObjectSynced', 'synced');
    await settled(recorder, ws);
    // A new Event 11 minutes after the first: the first's last occurrence is 2 minutes old.
    await minutes(2);
    recorder.record(other, 'Normal', 'ObjectSynced', 'synced');
    await settled(recorder, ws);
    recorder.record(target, 'Normal', 'ObjectSynced', 'synced');
    await settled(recorder, ws);
    expect(ws.created).toHaveLength(2);
    expect(ws.patched.map((p) => p.count)).toEqual([2, 3]);
    // Quiet for more than ten minutes: the next occurrence is a new Event.
    await minutes(11);
    recorder.record(target, 'Normal', 'ObjectSynced', 'synced');
    await settled(recorder, ws);
    expect(ws.created).toHaveLength(3);
  });

  it('with one client, a refusal blocks nothing', async () => {
    const ws = new Workspace();
    const recorder = new EventRecorder(ws, silentLogger(), 'test');
    recorder.record(target, 'Normal', 'ObjectPlaced', 'placed');
    await settled(recorder, ws);
    ws.claimed = true;
    recorder.record(target, 'Normal', 'ObjectPlaced', 'placed');
    await settled(recorder, ws);
    expect(ws.created).toEqual([{ reason: 'ObjectPlaced', count: 1 }]);
  });

  it('writes one Event at a time, in the order recorded', async () => {
    const order: string[] = [];
    let inFlight = 0;
    let most = 0;
    const client: EventClient = {
      create: async (_ref, _ns, body) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 1));
        order.push((body as { reason: string }).reason);
        inFlight--;
        return body;
      },
      patch: async (_ref, _ns, _name, body) => body,
    };
    const recorder = new EventRecorder(client, silentLogger(), 'test');
    for (let i = 0; i < 5; i++)
      recorder.record({ ...target, uid: `u${i}` }, 'Normal', `Reason${i}`, 'm');
    await recorder.idle();
    expect(order).toEqual(['Reason0', 'Reason1', 'Reason2', 'Reason3', 'Reason4']);
    expect(most).toBe(1);
  });

  it(`drops what comes while ${MAX_QUEUED_EVENTS} Events wait, and counts it`, async () => {
    const ws = new Workspace();
    ws.claimed = true;
    let dropped = 0;
    const recorder = new EventRecorder(ws, silentLogger(), 'test', { onDrop: () => dropped++ });
    for (let i = 0; i < MAX_QUEUED_EVENTS + 5; i++)
      recorder.record({ ...target, uid: `u${i}` }, 'Normal', 'ObjectPlaced', 'placed');
    expect(dropped).toBe(5);
    await settled(recorder, ws);
    expect(ws.created).toHaveLength(MAX_QUEUED_EVENTS);
    // Room again: the next one is written.
    recorder.record({ ...target, uid: 'later' }, 'Normal', 'ObjectPlaced', 'placed');
    await settled(recorder, ws);
    expect(ws.created).toHaveLength(MAX_QUEUED_EVENTS + 1);
    expect(dropped).toBe(5);
  });
});
