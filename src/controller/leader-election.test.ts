import { afterEach, describe, expect, it } from 'vitest';
import type { Lease } from '../api/coordination/types.ts';
import { silentLogger } from '../logging/logger.ts';
import { LeaderElector, type LeaseClient } from './leader-election.ts';

/** One Lease in memory, written by compare-and-swap on its resourceVersion, as a server does. */
class LeaseStore {
  lease: Lease | undefined;
  private revision = 0;

  get(): Lease | undefined {
    return this.lease && structuredClone(this.lease);
  }

  create(lease: Lease): Lease | undefined {
    if (this.lease) return undefined;
    return this.commit(lease);
  }

  update(lease: Lease): Lease | undefined {
    if (!this.lease || lease.metadata.resourceVersion !== this.lease.metadata.resourceVersion) {
      return undefined;
    }
    return this.commit(lease);
  }

  private commit(lease: Lease): Lease {
    this.lease = {
      ...structuredClone(lease),
      metadata: { ...lease.metadata, resourceVersion: String(++this.revision) },
    };
    return structuredClone(this.lease);
  }
}

/**
 * A candidate's way to the store: answers at once, or, once cut off, never (a store behind
 * a partition whose calls hang rather than fail).
 */
function reach(store: LeaseStore): LeaseClient & { cut(): void } {
  let cut = false;
  const answer = <T>(fn: () => T): Promise<T> =>
    cut ? new Promise<T>(() => {}) : Promise.resolve().then(fn);
  return {
    get: () => answer(() => store.get()),
    create: (lease) => answer(() => store.create(lease)),
    update: (lease) => answer(() => store.update(lease)),
    cut() {
      cut = true;
    },
  };
}

const electors: LeaderElector[] = [];

function candidate(
  identity: string,
  leases: LeaseClient,
  timing = { leaseDurationMs: 1_000, renewDeadlineMs: 600, retryPeriodMs: 50 },
): LeaderElector {
  const elector = new LeaderElector({
    leases,
    namespace: 'kube-system',
    name: 'test',
    identity,
    ...timing,
    log: silentLogger(),
  });
  electors.push(elector);
  return elector;
}

/** Polls `condition` (a state reached, never a duration) until it holds. */
async function eventually(what: string, condition: () => boolean, timeoutMs = 20_000) {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

afterEach(async () => {
  await Promise.all(electors.splice(0).map((e) => e.stop()));
});

describe('LeaderElector', () => {
  it('lets exactly one of two candidates lead while the leader renews', async () => {
    const store = new LeaseStore();
    const a = candidate('a', reach(store));
    const b = candidate('b', reach(store));
    const first = await Promise.race([a.acquire().then(() => a), b.acquire().then(() => b)]);
    const other = first === a ? b : a;
    // Many retry periods and more than a lease duration pass: the standby never leads.
    const renewed = Number(store.lease?.metadata.resourceVersion);
    await eventually('the leader renewed the Lease 30 times', () => {
      return Number(store.lease?.metadata.resourceVersion) >= renewed + 30;
    });
    expect(first.isLeader).toBe(true);
    expect(other.isLeader).toBe(false);
    expect(store.lease?.spec?.holderIdentity).toBe(first.options.identity);
    expect(store.lease?.spec?.leaseTransitions).toBe(0);
  });

  it('hands over at once when the leader stops (the Lease is released)', async () => {
    const store = new LeaseStore();
    const slow = { leaseDurationMs: 600_000, renewDeadlineMs: 400_000, retryPeriodMs: 50 };
    const a = candidate('a', reach(store), slow);
    await a.acquire();
    const b = candidate('b', reach(store), slow);
    const taken = b.acquire();
    await a.stop();
    // Far sooner than the ten-minute lease: only the release explains it.
    await taken;
    expect(b.isLeader).toBe(true);
    expect(store.lease?.spec?.holderIdentity).toBe('b');
  });

  it('lets a standby take over once a dead leader’s Lease expires, counting the transition', async () => {
    const store = new LeaseStore();
    const toA = reach(store);
    const a = candidate('a', toA);
    await a.acquire();
    const b = candidate('b', reach(store));
    const taken = b.acquire();
    toA.cut(); // a neither renews nor releases: as if killed
    await taken;
    expect(store.lease?.spec?.holderIdentity).toBe('b');
    expect(store.lease?.spec?.leaseTransitions).toBe(1);
  });

  it('stops leading at the renew deadline when its renewals hang, before a standby takes over', async () => {
    const store = new LeaseStore();
    const toA = reach(store);
    const a = candidate('a', toA);
    await a.acquire();
    const lost: string[] = [];
    a.onLost(() =>
      lost.push(`a lost while the Lease was held by ${store.lease?.spec?.holderIdentity}`),
    );
    const b = candidate('b', reach(store));
    const taken = b.acquire().then(() => lost.push('b leads'));
    toA.cut();
    await taken;
    // a's calls never answer, yet it gave up leadership by its deadline, while it still
    // held the Lease: the two never led at once.
    expect(a.isLeader).toBe(false);
    expect(lost).toEqual(['a lost while the Lease was held by a', 'b leads']);
  });

  it('stops leading when another candidate holds the Lease', async () => {
    const store = new LeaseStore();
    const a = candidate('a', reach(store));
    await a.acquire();
    let lost = false;
    a.onLost(() => {
      lost = true;
    });
    const lease = store.get() as Lease;
    store.update({ ...lease, spec: { ...lease.spec, holderIdentity: 'intruder' } });
    await eventually('a told it lost', () => lost);
    expect(a.isLeader).toBe(false);
  });
});
