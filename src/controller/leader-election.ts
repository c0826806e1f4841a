/**
 * Leader election over a coordination.k8s.io/v1 Lease (client-go's leaderelection, as
 * controller-runtime uses it): a candidate takes the Lease when it is free or expired,
 * renews it every retry period, and gives up leadership when it cannot renew within the
 * renew deadline, even while a renewal is still waiting for an answer (a standby may take
 * the Lease once it expired by its clock, so the old leader must have stopped by then).
 * Writes carry the Lease's resourceVersion, so two candidates never both win. On a clean
 * shutdown the leader releases the Lease so a standby takes over at once.
 *
 * The Lease is reached through a `LeaseClient`: over HTTP for the components outside the
 * server (`kube/leader.ts`), in process for the server's own controllers, which run on one
 * replica of a control plane at a time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Lease } from '../api/coordination/types.ts';
import { microTimestamp } from '../apimachinery/meta.ts';
import type { Logger } from '../logging/logger.ts';

/** The Lease operations an election makes. Losing a race is an answer, not an error. */
export interface LeaseClient {
  /** The Lease, or undefined when there is none. */
  get(): Promise<Lease | undefined>;
  /** Creates it; undefined when another candidate created it first. */
  create(lease: Lease): Promise<Lease | undefined>;
  /** Writes it if unchanged since read (resourceVersion); undefined when it changed or went. */
  update(lease: Lease): Promise<Lease | undefined>;
}

export interface LeaderElectionOptions {
  readonly leases: LeaseClient;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly log: Logger;
}

export class LeaderElector {
  readonly options: LeaderElectionOptions;
  #leader = false;
  #stopped = false;
  #lease: Lease | undefined;
  #lostHandlers: (() => void)[] = [];
  #observedAt = 0;
  #observedRenew = '';
  #renewLoop: Promise<void> | undefined;

  constructor(options: LeaderElectionOptions) {
    this.options = options;
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  onLost(handler: () => void): void {
    this.#lostHandlers.push(handler);
  }

  /** Resolves once this candidate leads (or never, if stopped first). */
  async acquire(): Promise<boolean> {
    let announced = false;
    while (!this.#stopped) {
      try {
        if (await this.#tryAcquireOrRenew()) {
          this.#leader = true;
          this.options.log.info(
            {
              lease: `${this.options.namespace}/${this.options.name}`,
              identity: this.options.identity,
            },
            'became leader',
          );
          this.#renewLoop = this.#renew();
          return true;
        }
        if (!announced) {
          announced = true;
          this.options.log.info(
            {
              lease: `${this.options.namespace}/${this.options.name}`,
              holder: this.#lease?.spec?.holderIdentity,
            },
            'waiting for leadership',
          );
        }
      } catch (err) {
        this.options.log.warn(
          { err: (err as Error).message },
          'leader election: cannot read the Lease',
        );
      }
      await sleep(this.options.retryPeriodMs * (0.8 + Math.random() * 0.4), undefined, {
        ref: false,
      });
    }
    return false;
  }

  async #renew(): Promise<void> {
    let lastRenew = Date.now();
    while (!this.#stopped && this.#leader) {
      await sleep(this.options.retryPeriodMs, undefined, { ref: false });
      if (this.#stopped) return;
      // As client-go, an attempt still unanswered at the renew deadline loses leadership:
      // a call hanging on a store this replica cannot reach must not keep it leading past
      // the point where a standby, judging the Lease expired, takes over.
      const outcome = await this.#renewBy(lastRenew + this.options.renewDeadlineMs);
      if (this.#stopped) return;
      if (outcome === 'renewed') {
        lastRenew = Date.now();
        continue;
      }
      if (outcome === 'taken') {
        this.#lose('the Lease is held by another candidate');
        return;
      }
      if (outcome === 'deadline' || Date.now() - lastRenew > this.options.renewDeadlineMs) {
        this.#lose('could not renew the Lease within the renew deadline');
        return;
      }
    }
  }

  /** One renewal, given up (its call left to finish on its own) at `deadline`. */
  async #renewBy(deadline: number): Promise<'renewed' | 'taken' | 'failed' | 'deadline'> {
    const timer = new AbortController();
    const attempt = this.#tryAcquireOrRenew().then(
      (ok) => (ok ? ('renewed' as const) : ('taken' as const)),
      (err: unknown) => {
        this.options.log.warn({ err: (err as Error).message }, 'leader election: renew failed');
        return 'failed' as const;
      },
    );
    const expiry = sleep(Math.max(0, deadline - Date.now()), 'deadline' as const, {
      ref: false,
      signal: timer.signal,
    }).catch(() => 'deadline' as const);
    try {
      return await Promise.race([attempt, expiry]);
    } finally {
      timer.abort();
    }
  }

  #lose(why: string): void {
    if (!this.#leader) return;
    this.#leader = false;
    this.options.log.warn({ why }, 'leadership lost');
    const handlers = this.#lostHandlers;
    this.#lostHandlers = [];
    for (const h of handlers) h();
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { leases, namespace, name, identity } = this.options;
    const now = new Date();
    const durationSeconds = Math.max(1, Math.round(this.options.leaseDurationMs / 1000));
    const current = await leases.get();
    if (!current) {
      const created = await leases.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds: durationSeconds,
          acquireTime: microTimestamp(now),
          renewTime: microTimestamp(now),
          leaseTransitions: 0,
        },
      });
      if (!created) return false;
      this.#lease = created;
      return true;
    }
    this.#lease = current;
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    // Expiry is judged by our own clock: the renew time as we first saw it (client-go).
    if (spec.renewTime !== this.#observedRenew) {
      this.#observedRenew = spec.renewTime ?? '';
      this.#observedAt = Date.now();
    }
    const durationMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    const expired = this.#observedAt + durationMs < Date.now();
    if (holder && holder !== identity && !expired) return false;
    const next: Lease = {
      ...current,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        renewTime: microTimestamp(now),
        ...(holder === identity
          ? {}
          : {
              acquireTime: microTimestamp(now),
              leaseTransitions: (spec.leaseTransitions ?? 0) + (holder ? 1 : 0),
            }),
      },
    };
    const updated = await leases.update(next);
    if (!updated) return false;
    this.#lease = updated;
    this.#observedRenew = updated.spec?.renewTime ?? '';
    this.#observedAt = Date.now();
    return true;
  }

  /** Stops campaigning; a leader releases the Lease so a standby can take over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    // Whoever waits for a loss learns that this replica no longer leads.
    const handlers = this.#lostHandlers;
    this.#lostHandlers = [];
    for (const h of handlers) h();
    if (!this.#leader) return;
    this.#leader = false;
    await this.#renewLoop?.catch(() => undefined);
    const lease = this.#lease;
    if (!lease || lease.spec?.holderIdentity !== this.options.identity) return;
    try {
      const current = await this.options.leases.get();
      if (current?.spec?.holderIdentity !== this.options.identity) return;
      await this.options.leases.update({
        ...current,
        spec: {
          ...current.spec,
          holderIdentity: '',
          leaseDurationSeconds: 1,
          renewTime: microTimestamp(),
        },
      });
      this.options.log.info('released the leader Lease');
    } catch (err) {
      this.options.log.debug({ err: (err as Error).message }, 'could not release the Lease');
    }
  }
}
