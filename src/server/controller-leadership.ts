/**
 * The server's controllers (namespaces, garbage collection, workspaces, bindings, …) run on
 * one replica of a control plane at a time, as kube-controller-manager does: replicas
 * campaign for the Lease `kube-system/canopy-controllers` in `root` with the toolkit's
 * `LeaderElector`, through the in-process client (so the Lease is an object like any
 * other, on the shared store). The leader starts the controllers; a replica that cannot
 * renew within the renew deadline stops them and campaigns again; when the leader dies,
 * another takes over once the Lease expires. Every write a controller makes is a
 * compare-and-swap, so work in flight while leadership moves is refused, never doubled.
 *
 * Every replica keeps its indexes (path index, bindings, RBAC, CRDs) whether it leads or
 * not: those serve requests.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Lease } from '../api/coordination/types.ts';
import { isStatusError } from '../apimachinery/status.ts';
import type { Client } from '../apiserver/client.ts';
import { LeaderElector, type LeaseClient } from '../controller/leader-election.ts';
import type { Logger } from '../logging/logger.ts';

export const CONTROLLERS_LEASE = {
  cluster: 'root',
  namespace: 'kube-system',
  name: 'canopy-controllers',
} as const;

/** kube-controller-manager's defaults. */
export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;

export interface Timing {
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

/** Controllers started together, stopped together. */
export interface ControllerSet {
  stop(): Promise<void>;
}

export interface ControllerLeadershipOptions {
  readonly client: Client;
  readonly timing: Timing;
  readonly logger: Logger;
  /** Starts the controllers (on becoming leader). */
  readonly start: () => Promise<ControllerSet>;
  /** Told when this replica starts or stops leading. */
  readonly onChange?: (leading: boolean) => void;
}

export class ControllerLeadership {
  readonly identity = `${hostname()}_${process.pid}_${randomBytes(3).toString('hex')}`;
  private readonly options: ControllerLeadershipOptions;
  private readonly elector: LeaderElector;
  private running: ControllerSet | undefined;
  private campaign: Promise<void> | undefined;
  private stopped = false;

  constructor(options: ControllerLeadershipOptions) {
    this.options = options;
    this.elector = new LeaderElector({
      leases: inProcessLeases(options.client),
      namespace: CONTROLLERS_LEASE.namespace,
      name: CONTROLLERS_LEASE.name,
      identity: this.identity,
      ...options.timing,
      log: options.logger,
    });
  }

  get leading(): boolean {
    return this.running !== undefined;
  }

  /** Campaigns in the background for as long as the server runs. */
  start(): void {
    this.campaign ??= this.run();
  }

  private async run(): Promise<void> {
    const log = this.options.logger;
    while (!this.stopped) {
      const lost = new Promise<void>((resolve) => this.elector.onLost(resolve));
      if (!(await this.elector.acquire()) || this.stopped) return;
      const set = await this.startControllers(lost);
      if (set) {
        this.running = set;
        this.options.onChange?.(true);
        log.info({ identity: this.identity }, 'leading: controllers started');
      }
      await lost;
      if (this.running === set && set) {
        this.running = undefined;
        this.options.onChange?.(false);
        await set.stop();
        if (!this.stopped) log.warn('no longer leading: controllers stopped until leading again');
      }
    }
  }

  /** Starts the controllers, retrying while the start fails and this replica still leads. */
  private async startControllers(lost: Promise<void>): Promise<ControllerSet | undefined> {
    let gone = false;
    void lost.then(() => {
      gone = true;
    });
    for (let attempt = 0; !gone && !this.stopped; attempt++) {
      try {
        return await this.options.start();
      } catch (err) {
        this.options.logger.error({ err: (err as Error).message }, 'cannot start the controllers');
        const delay = Math.min(1000 * 2 ** attempt, 30_000);
        await Promise.race([lost, new Promise((r) => setTimeout(r, delay).unref())]);
      }
    }
    return undefined;
  }

  /** Stops the controllers first, then releases the Lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    const set = this.running;
    this.running = undefined;
    if (set) {
      this.options.onChange?.(false);
      await set.stop();
    }
    await this.elector.stop();
    await this.campaign;
  }
}

/** The controllers' Lease through the in-process client. */
function inProcessLeases(client: Client): LeaseClient {
  const leases = client.resource(
    CONTROLLERS_LEASE.cluster,
    { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' },
    CONTROLLERS_LEASE.namespace,
  );
  return {
    get: async () => (await leases.find(CONTROLLERS_LEASE.name)) as Lease | undefined,
    create: async (lease) => (await leases.createIfAbsent(lease)) as Lease | undefined,
    async update(lease) {
      try {
        return (await leases.update(lease)) as Lease;
      } catch (err) {
        if (isStatusError(err, 'Conflict') || isStatusError(err, 'NotFound')) return undefined;
        throw err;
      }
    },
  };
}
