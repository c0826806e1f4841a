import { describe, expect, it } from 'vitest';
import type { Secret } from '../../../api/core/types.ts';
import type { Health, InstancePhase } from '../../runtime/instance.ts';
import { type Cluster, type ClusterSpec, type ClusterStatus, Phase } from '../../types.ts';
import {
  Blocked,
  credentialSecretsPlan,
  endOfPass,
  type HealthOf,
  type InstanceLike,
  mostAdvanced,
  OWNER_SECRET_GRACE_MS,
  PROGRESS_MS,
  phaseAfterError,
  planPrimary,
  planPrimaryRestart,
  planReplica,
  planSwitchover,
  REJOIN_AFTER_MS,
  RESYNC_MS,
  type ResolvedCredentials,
  readyReplicas,
  reconcileRoles,
  resolveCredentials,
  rolesToSync,
  scaleDownVictims,
  secretUpToDate,
  statusPrimaries,
  streamingCheck,
  synchronousStandbys,
} from './cluster-reconcile.ts';
import { credentialSecret, ownerReference } from './secrets.ts';
import { type ResolvedSpec, resolveSpec } from './spec.ts';

const instance = (name: string, phase: InstancePhase = 'ready', serial = Number(name.slice(-1))) =>
  ({ name, state: { phase, serial } }) satisfies InstanceLike;
const healthy: Health = { running: true, ready: true, inRecovery: true, streaming: true };
const primaryUp: Health = { running: true, ready: true, inRecovery: false };
const lookup =
  (table: Record<string, Health>): HealthOf =>
  (name) =>
    table[name];

const NOW = Date.parse('2026-01-02T03:04:05Z');

describe('reconcileRoles: recorded roles against the running servers', () => {
  const [one, two, three] = [instance('kcp-1'), instance('kcp-2'), instance('kcp-3')];
  const cases: Array<{
    name: string;
    writable: InstanceLike[];
    lsn?: Record<string, bigint>;
    primary: InstanceLike;
    replaced?: InstanceLike;
    demote: InstanceLike[];
  }> = [
    { name: 'only the recorded primary is writable', writable: [one], primary: one, demote: [] },
    { name: 'no server is writable yet', writable: [], primary: one, demote: [] },
    {
      name: 'a second primary beside the recorded one is demoted',
      writable: [one, two],
      primary: one,
      demote: [two],
    },
    {
      name: 'the recorded primary is gone: the promoted one is adopted',
      writable: [two],
      primary: two,
      replaced: one,
      demote: [],
    },
    {
      name: 'several promoted: the most advanced is adopted, the others demoted',
      writable: [two, three],
      lsn: { 'kcp-2': 10n, 'kcp-3': 20n },
      primary: three,
      replaced: one,
      demote: [two],
    },
    {
      name: 'several promoted at one position: the lowest name wins',
      writable: [three, two],
      lsn: { 'kcp-2': 20n, 'kcp-3': 20n },
      primary: two,
      replaced: one,
      demote: [three],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const health: HealthOf = (name) => ({ ...primaryUp, lsn: c.lsn?.[name] ?? 0n });
      const roles = reconcileRoles(one, c.writable, health);
      expect(roles.primary).toBe(c.primary);
      expect(roles.replaced).toBe(c.replaced);
      expect(roles.demote).toEqual(c.demote);
    });
  }
});

describe('mostAdvanced and readyReplicas: who may be promoted', () => {
  it('prefers the highest WAL position, then the lowest instance name (kcp-2 before kcp-10)', () => {
    const candidates = [instance('kcp-10'), instance('kcp-3'), instance('kcp-2')];
    expect(mostAdvanced(candidates, lookup({ 'kcp-3': { ...healthy, lsn: 5n } })).name).toBe(
      'kcp-3',
    );
    expect(mostAdvanced(candidates, lookup({})).name).toBe('kcp-2');
  });

  it('counts only provisioned replicas that answer and are in recovery', () => {
    const primary = instance('kcp-1');
    const all = [
      primary,
      instance('kcp-2'),
      instance('kcp-3', 'cloning'),
      instance('kcp-4'),
      instance('kcp-5'),
      instance('kcp-6'),
    ];
    const health = lookup({
      'kcp-1': primaryUp,
      'kcp-2': healthy,
      'kcp-3': healthy,
      'kcp-4': { running: true, ready: false },
      'kcp-5': primaryUp,
    });
    expect(readyReplicas(all, primary, health).map((i) => i.name)).toEqual(['kcp-2']);
  });
});

describe('planPrimary: a primary that does not answer', () => {
  const delay = 5000;
  const cases: Array<{
    name: string;
    health: Health | undefined;
    replicas: number;
    waited: number;
    want: ReturnType<typeof planPrimary>;
  }> = [
    {
      name: 'answers: nothing to do',
      health: primaryUp,
      replicas: 1,
      waited: 0,
      want: { action: 'none' },
    },
    {
      name: 'dead, a replica ready, within the failover delay: wait',
      health: { running: false, ready: false },
      replicas: 1,
      waited: 2000,
      want: { action: 'wait-for-failover', remainingMs: 3000 },
    },
    {
      name: 'dead, a replica ready, delay over: fail over',
      health: { running: false, ready: false },
      replicas: 2,
      waited: delay,
      want: { action: 'failover' },
    },
    {
      name: 'never probed counts as dead',
      health: undefined,
      replicas: 1,
      waited: delay,
      want: { action: 'failover' },
    },
    {
      name: 'dead without replicas: restart in place',
      health: { running: false, ready: false },
      replicas: 0,
      waited: 60_000,
      want: { action: 'restart-in-place' },
    },
    {
      name: 'running but not answering, within the crash-recovery grace: wait for it',
      health: { running: true, ready: false },
      replicas: 1,
      waited: delay + 10_000,
      want: { action: 'wait-for-primary' },
    },
    {
      name: 'running but hung past delay and grace: fail over',
      health: { running: true, ready: false },
      replicas: 1,
      waited: delay + 10_001,
      want: { action: 'failover' },
    },
    {
      name: 'hung without replicas: keep waiting, never restart a running server',
      health: { running: true, ready: false },
      replicas: 0,
      waited: 600_000,
      want: { action: 'wait-for-primary' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(
        planPrimary({
          health: c.health,
          readyReplicas: c.replicas,
          unhealthySince: NOW - c.waited,
          now: NOW,
          failoverDelayMs: delay,
        }),
      ).toEqual(c.want);
    });
  }
});

describe('planSwitchover: status.targetPrimary set by the user', () => {
  const ready = (name: string) => name === 'kcp-2';
  const cases: Array<{ name: string; status: ClusterStatus | undefined; want: unknown }> = [
    { name: 'no status', status: undefined, want: { action: 'none' } },
    {
      name: 'target is the primary',
      status: { targetPrimary: 'kcp-1', currentPrimary: 'kcp-1' },
      want: { action: 'none' },
    },
    {
      name: 'a failover in progress is not a request',
      status: { targetPrimary: 'pending', currentPrimary: 'kcp-1' },
      want: { action: 'none' },
    },
    {
      name: 'the status names another current primary (this pass just failed over)',
      status: { targetPrimary: 'kcp-2', currentPrimary: 'kcp-3' },
      want: { action: 'none' },
    },
    {
      name: 'a ready replica: switch over',
      status: { targetPrimary: 'kcp-2', currentPrimary: 'kcp-1' },
      want: { action: 'switchover', target: 'kcp-2' },
    },
    {
      name: 'anything else is rejected',
      status: { targetPrimary: 'kcp-9', currentPrimary: 'kcp-1' },
      want: { action: 'reject', target: 'kcp-9' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(
        planSwitchover({ status: c.status, primary: 'kcp-1', isReadyInstance: ready }),
      ).toEqual(c.want);
    });
  }
});

describe('planReplica and streamingCheck: each replica', () => {
  const cases: Array<{
    phase: InstancePhase;
    hasData: boolean;
    running: boolean;
    want: ReturnType<typeof planReplica>;
  }> = [
    { phase: 'rejoining', hasData: true, running: true, want: 'rejoin' },
    { phase: 'initializing', hasData: false, running: false, want: 'clone' },
    { phase: 'cloning', hasData: true, running: false, want: 'clone' },
    { phase: 'ready', hasData: false, running: false, want: 'clone' },
    { phase: 'ready', hasData: true, running: false, want: 'start' },
    { phase: 'ready', hasData: true, running: true, want: 'check-streaming' },
  ];
  for (const c of cases) {
    it(`${c.phase}, data ${c.hasData}, running ${c.running}: ${c.want}`, () => {
      expect(planReplica(c)).toBe(c.want);
    });
  }

  const notStreaming: Health = { running: true, ready: true, inRecovery: true, streaming: false };
  const checks: Array<{
    name: string;
    replica: Health | undefined;
    primaryReady: boolean;
    since: number | undefined;
    want: ReturnType<typeof streamingCheck>;
  }> = [
    {
      name: 'streams',
      replica: healthy,
      primaryReady: true,
      since: NOW - 1,
      want: { rejoin: false, since: undefined },
    },
    {
      name: 'primary down: not judged',
      replica: notStreaming,
      primaryReady: false,
      since: NOW - REJOIN_AFTER_MS,
      want: { rejoin: false, since: undefined },
    },
    {
      name: 'first seen not streaming',
      replica: notStreaming,
      primaryReady: true,
      since: undefined,
      want: { rejoin: false, since: NOW },
    },
    {
      name: 'not streaming for a while',
      replica: notStreaming,
      primaryReady: true,
      since: NOW - REJOIN_AFTER_MS + 1,
      want: { rejoin: false, since: NOW - REJOIN_AFTER_MS + 1 },
    },
    {
      name: 'not streaming for too long: rejoin',
      replica: notStreaming,
      primaryReady: true,
      since: NOW - REJOIN_AFTER_MS,
      want: { rejoin: true, since: undefined },
    },
  ];
  for (const c of checks) {
    it(`streaming check: ${c.name}`, () => {
      expect(
        streamingCheck({
          replica: c.replica,
          primaryReady: c.primaryReady,
          notStreamingSince: c.since,
          now: NOW,
        }),
      ).toEqual(c.want);
    });
  }
});

describe('scaleDownVictims: which instances go', () => {
  const primary = instance('kcp-1');
  const all = [primary, instance('kcp-2'), instance('kcp-3'), instance('kcp-4')];
  const cases: Array<{
    name: string;
    desired: number;
    health: Record<string, Health>;
    want: string[];
  }> = [
    { name: 'at the desired count: none', desired: 4, health: {}, want: [] },
    { name: 'above it: none', desired: 6, health: {}, want: [] },
    {
      name: 'all ready: the newest first',
      desired: 2,
      health: { 'kcp-2': healthy, 'kcp-3': healthy, 'kcp-4': healthy },
      want: ['kcp-4', 'kcp-3'],
    },
    {
      name: 'one not ready: that one first',
      desired: 3,
      health: { 'kcp-2': { running: false, ready: false }, 'kcp-3': healthy, 'kcp-4': healthy },
      want: ['kcp-2'],
    },
    {
      name: 'never the primary, even at one instance',
      desired: 1,
      health: { 'kcp-1': { running: false, ready: false } },
      want: ['kcp-4', 'kcp-3', 'kcp-2'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(
        scaleDownVictims(all, primary, c.desired, lookup(c.health)).map((i) => i.name),
      ).toEqual(c.want);
    });
  }
});

describe('synchronousStandbys: whom a primary’s commits wait for', () => {
  const sync = (spec: ClusterSpec) => resolveSpec(spec).spec.synchronous;
  const others = ['db-2', 'db-3'];
  it.each([
    ['asynchronous', { instances: 3 }, ['db-2', 'db-3'], undefined],
    [
      'min/max: as many as are ready, within min..max',
      { instances: 3, minSyncReplicas: 1, maxSyncReplicas: 2 },
      ['db-2', 'db-3'],
      { method: 'any', count: 2, names: ['db-2', 'db-3'] },
    ],
    [
      'min/max: none ready still waits for min',
      { instances: 3, minSyncReplicas: 1, maxSyncReplicas: 2 },
      [],
      { method: 'any', count: 1, names: ['db-2', 'db-3'] },
    ],
    [
      'min 0 and none ready: commits do not wait',
      { instances: 3, minSyncReplicas: 0, maxSyncReplicas: 2 },
      [],
      undefined,
    ],
    [
      'required: the fixed number, ready or not',
      { instances: 3, postgresql: { synchronous: { method: 'first', number: 2 } } },
      ['db-3'],
      { method: 'first', count: 2, names: ['db-3', 'db-2'] },
    ],
    [
      'preferred: only as many as are ready',
      {
        instances: 3,
        postgresql: { synchronous: { method: 'any', number: 2, dataDurability: 'preferred' } },
      },
      ['db-3'],
      { method: 'any', count: 1, names: ['db-3', 'db-2'] },
    ],
    [
      'preferred and none ready: commits do not wait',
      {
        instances: 3,
        postgresql: { synchronous: { method: 'any', number: 2, dataDurability: 'preferred' } },
      },
      [],
      undefined,
    ],
    [
      'a cap on own names keeps the ready ones, between the extra names',
      {
        instances: 3,
        postgresql: {
          synchronous: {
            method: 'first',
            number: 2,
            maxStandbyNamesFromCluster: 1,
            standbyNamesPre: ['a'],
            standbyNamesPost: ['z'],
          },
        },
      },
      ['db-3'],
      { method: 'first', count: 2, names: ['a', 'db-3', 'z'] },
    ],
  ] as const)('%s', (_, spec, ready, want) => {
    expect(synchronousStandbys(sync(spec as ClusterSpec), others, new Set(ready))).toEqual(want);
  });

  it('names nobody when there is nobody to name', () => {
    expect(
      synchronousStandbys(
        sync({ instances: 2, minSyncReplicas: 1, maxSyncReplicas: 1 }),
        [],
        new Set(),
      ),
    ).toBeUndefined();
  });
});

describe('planPrimaryRestart: restart-only parameters reaching the primary', () => {
  const cases: Array<{
    name: string;
    needed: boolean;
    strategy: ResolvedSpec['primaryUpdateStrategy'];
    method: ResolvedSpec['primaryUpdateMethod'];
    replica: string | undefined;
    want: string;
  }> = [
    {
      name: 'not needed',
      needed: false,
      strategy: 'supervised',
      method: 'switchover',
      replica: 'kcp-2',
      want: 'none',
    },
    {
      name: 'supervised: the user decides',
      needed: true,
      strategy: 'supervised',
      method: 'switchover',
      replica: 'kcp-2',
      want: 'wait-for-user',
    },
    {
      name: 'switchover to a ready replica',
      needed: true,
      strategy: 'unsupervised',
      method: 'switchover',
      replica: 'kcp-2',
      want: 'switchover',
    },
    {
      name: 'switchover without a replica: restart in place',
      needed: true,
      strategy: 'unsupervised',
      method: 'switchover',
      replica: undefined,
      want: 'restart-in-place',
    },
    {
      name: 'restart method',
      needed: true,
      strategy: 'unsupervised',
      method: 'restart',
      replica: 'kcp-2',
      want: 'restart-in-place',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const decision = planPrimaryRestart({
        needed: c.needed,
        primary: 'kcp-1',
        strategy: c.strategy,
        method: c.method,
        readyReplica: c.replica,
      });
      expect(decision.action).toBe(c.want);
      if (decision.action === 'switchover') expect(decision.to).toBe(c.replica);
      if (decision.action === 'wait-for-user')
        expect(decision.reason).toMatch(/targetPrimary.*kcp-1/);
    });
  }
});

describe('statusPrimaries: currentPrimary and targetPrimary to publish', () => {
  const instances = new Set(['kcp-1', 'kcp-2']);
  const isInstance = (name: string) => instances.has(name);
  const cases: Array<{
    name: string;
    primary: { name: string; ready: boolean } | undefined;
    previous: ClusterStatus;
    override?: string;
    want: ReturnType<typeof statusPrimaries>;
  }> = [
    { name: 'no primary yet', primary: undefined, previous: {}, want: {} },
    {
      name: 'a primary being set up is the target, not yet current',
      primary: { name: 'kcp-1', ready: false },
      previous: {},
      want: { targetPrimary: 'kcp-1' },
    },
    {
      name: 'a ready primary is both',
      primary: { name: 'kcp-1', ready: true },
      previous: {},
      want: { currentPrimary: 'kcp-1', targetPrimary: 'kcp-1' },
    },
    {
      name: "the user's switchover request is kept until a pass sees it",
      primary: { name: 'kcp-1', ready: true },
      previous: { currentPrimary: 'kcp-1', targetPrimary: 'kcp-2' },
      want: { currentPrimary: 'kcp-1', targetPrimary: 'kcp-2' },
    },
    {
      name: 'a request for an unknown instance is not kept',
      primary: { name: 'kcp-1', ready: true },
      previous: { currentPrimary: 'kcp-1', targetPrimary: 'kcp-7' },
      want: { currentPrimary: 'kcp-1', targetPrimary: 'kcp-1' },
    },
    {
      name: 'a request made before the last change of primary is stale',
      primary: { name: 'kcp-2', ready: true },
      previous: { currentPrimary: 'kcp-1', targetPrimary: 'kcp-1' },
      want: { currentPrimary: 'kcp-2', targetPrimary: 'kcp-2' },
    },
    {
      name: 'the pass says otherwise (failover)',
      primary: { name: 'kcp-1', ready: true },
      previous: { currentPrimary: 'kcp-1', targetPrimary: 'kcp-2' },
      override: 'pending',
      want: { currentPrimary: 'kcp-1', targetPrimary: 'pending' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(
        statusPrimaries({
          primary: c.primary,
          previous: c.previous,
          isInstance,
          ...(c.override ? { override: c.override } : {}),
        }),
      ).toEqual(c.want);
    });
  }
});

describe('endOfPass and phaseAfterError: the phase a pass reports', () => {
  it('healthy: checked again rarely', () => {
    expect(
      endOfPass({
        steady: Phase.Healthy,
        configError: undefined,
        waitingForUser: undefined,
        primaryRunning: true,
      }),
    ).toEqual({
      phase: Phase.Healthy,
      requeueAfterMs: RESYNC_MS,
    });
  });
  it('on its way: checked again soon', () => {
    expect(
      endOfPass({
        steady: Phase.CreatingReplica,
        configError: undefined,
        waitingForUser: undefined,
        primaryRunning: true,
      }),
    ).toEqual({ phase: Phase.CreatingReplica, requeueAfterMs: PROGRESS_MS });
  });
  it('invalid parameters hold it in Waiting for user action, checked again soon', () => {
    expect(
      endOfPass({
        steady: Phase.Healthy,
        configError: 'bad',
        waitingForUser: undefined,
        primaryRunning: true,
      }),
    ).toEqual({
      phase: Phase.WaitingForUser,
      reason: 'bad',
      requeueAfterMs: PROGRESS_MS,
    });
  });
  it('a supervised restart waits for the user, rarely checked', () => {
    expect(
      endOfPass({
        steady: Phase.Healthy,
        configError: undefined,
        waitingForUser: 'switch',
        primaryRunning: true,
      }),
    ).toEqual({
      phase: Phase.WaitingForUser,
      reason: 'switch',
      requeueAfterMs: RESYNC_MS,
    });
  });
  it('a primary that died during the pass: at once, whatever else holds it', () => {
    for (const [steady, configError, waitingForUser] of [
      [Phase.WaitingForInstancesToBeActive, undefined, undefined],
      [Phase.Healthy, 'bad', undefined],
      [Phase.Healthy, undefined, 'switch'],
    ] as const) {
      expect(
        endOfPass({ steady, configError, waitingForUser, primaryRunning: false }).requeueAfterMs,
      ).toBe(0);
    }
  });
  it('an error before the first primary is ready reports setting up the primary', () => {
    expect(phaseAfterError(false, { phase: Phase.Healthy })).toBe(Phase.FirstPrimary);
    expect(phaseAfterError(true, { phase: Phase.Switchover })).toBe(Phase.Switchover);
    expect(phaseAfterError(true, {})).toBe(Phase.WaitingForInstancesToBeActive);
  });
});

describe('resolveCredentials: the passwords the roles must have', () => {
  const cluster: Cluster = {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: {
      name: 'kcp',
      namespace: 'team-a',
      uid: 'uid-1',
      creationTimestamp: new Date(NOW - 1000).toISOString(),
    },
  };
  const basicAuth = (name: string, data: Record<string, string>, owned = false): Secret => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace: 'team-a',
      resourceVersion: `rv-${name}`,
      ...(owned ? { ownerReferences: [ownerReference(cluster)] } : {}),
    },
    data: Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
  });
  const run = (
    spec: ClusterSpec,
    secrets: Secret[],
    opts: { hasPrimary?: boolean; now?: number } = {},
  ) =>
    resolveCredentials({
      cluster,
      spec: resolveSpec(spec).spec,
      hasPrimary: opts.hasPrimary ?? false,
      now: opts.now ?? NOW,
      secret: async (name) => secrets.find((s) => s.metadata.name === name),
      generatePassword: () => 'generated',
    });
  const initdb = {
    bootstrap: { initdb: { database: 'app', owner: 'app', secret: { name: 'app-creds' } } },
  };

  const cases: Array<{
    name: string;
    spec: ClusterSpec;
    secrets: Secret[];
    hasPrimary?: boolean;
    now?: number;
    want?: Partial<ResolvedCredentials>;
    blocked?: { phase: string; message: RegExp; requeueAfterMs?: number };
  }> = [
    {
      name: 'superuser access off: postgres gets no password; the owner a generated one',
      spec: {},
      secrets: [],
      want: { superuser: null, owner: { username: 'app', password: 'generated' }, versions: {} },
    },
    {
      name: 'the generated superuser and app passwords are kept from their Secrets',
      spec: { enableSuperuserAccess: true },
      secrets: [
        basicAuth('kcp-superuser', { password: 'su' }),
        basicAuth('kcp-app', { password: 'ap' }, true),
      ],
      want: {
        superuser: { username: 'postgres', password: 'su' },
        owner: { username: 'app', password: 'ap' },
        versions: {
          superuserSecretVersion: 'rv-kcp-superuser',
          applicationSecretVersion: 'rv-kcp-app',
        },
      },
    },
    {
      name: 'an app Secret the Cluster does not own is not trusted',
      spec: {},
      secrets: [basicAuth('kcp-app', { password: 'foreign' })],
      want: { owner: { username: 'app', password: 'generated' } },
    },
    {
      name: "the user's superuser Secret",
      spec: { superuserSecret: { name: 'su' }, enableSuperuserAccess: true },
      secrets: [basicAuth('su', { username: 'postgres', password: 'mine' })],
      want: { superuser: { username: 'postgres', password: 'mine' } },
    },
    {
      name: 'a missing superuser Secret is waited for (setting up the primary)',
      spec: { superuserSecret: { name: 'su' }, enableSuperuserAccess: true },
      secrets: [],
      blocked: {
        phase: Phase.FirstPrimary,
        message: /waiting for Secret su/,
        requeueAfterMs: 10_000,
      },
    },
    {
      name: 'a missing superuser Secret once a primary runs: waiting for the user',
      spec: { superuserSecret: { name: 'su' }, enableSuperuserAccess: true },
      secrets: [],
      hasPrimary: true,
      blocked: {
        phase: Phase.WaitingForUser,
        message: /waiting for Secret su/,
        requeueAfterMs: 10_000,
      },
    },
    {
      name: 'a superuser Secret for another user is refused',
      spec: { superuserSecret: { name: 'su' }, enableSuperuserAccess: true },
      secrets: [basicAuth('su', { username: 'root', password: 'x' })],
      blocked: { phase: Phase.WaitingForUser, message: /expected "postgres"/ },
    },
    {
      name: "the owner's Secret",
      spec: initdb,
      secrets: [basicAuth('app-creds', { username: 'app', password: 'owner' })],
      want: {
        owner: { username: 'app', password: 'owner' },
        versions: { applicationSecretVersion: 'rv-app-creds' },
      },
    },
    {
      name: "an owner's Secret without a password is refused",
      spec: initdb,
      secrets: [basicAuth('app-creds', { username: 'app' })],
      blocked: { phase: Phase.WaitingForUser, message: /has no password key/ },
    },
    {
      name: 'a new Cluster waits a moment for its owner Secret',
      spec: initdb,
      secrets: [],
      blocked: {
        phase: Phase.FirstPrimary,
        message: /waiting for Secret app-creds/,
        requeueAfterMs: 500,
      },
    },
    {
      name: 'after the grace the owner gets a generated password',
      spec: initdb,
      secrets: [],
      now: NOW - 1000 + OWNER_SECRET_GRACE_MS,
      want: { owner: { username: 'app', password: 'generated' } },
    },
    {
      name: 'with a primary running a missing owner Secret is tolerated at once',
      spec: initdb,
      secrets: [],
      hasPrimary: true,
      want: { owner: { username: 'app', password: 'generated' } },
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const result = run(c.spec, c.secrets, {
        ...(c.hasPrimary !== undefined ? { hasPrimary: c.hasPrimary } : {}),
        ...(c.now !== undefined ? { now: c.now } : {}),
      });
      if (c.blocked) {
        const err = await result.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(Blocked);
        expect(err).toMatchObject({
          phase: c.blocked.phase,
          requeueAfterMs: c.blocked.requeueAfterMs,
        });
        expect((err as Blocked).message).toMatch(c.blocked.message);
      } else {
        expect(await result).toMatchObject(c.want ?? {});
      }
    });
  }
});

describe('the credential Secrets and role passwords to write', () => {
  it('writes the superuser Secret only when it generates the password', () => {
    const plan = (spec: ClusterSpec) => credentialSecretsPlan(resolveSpec(spec).spec, 'kcp');
    expect(plan({ enableSuperuserAccess: true })).toEqual({
      superuser: { action: 'write', name: 'kcp-superuser' },
      app: 'kcp-app',
    });
    expect(plan({})).toEqual({
      superuser: { action: 'remove-if-owned', name: 'kcp-superuser' },
      app: 'kcp-app',
    });
    expect(
      plan({ enableSuperuserAccess: true, superuserSecret: { name: 'kcp-superuser' } }).superuser,
    ).toEqual({ action: 'keep', name: 'kcp-superuser' });
    expect(
      plan({ bootstrap: { initdb: { owner: 'app', secret: { name: 'kcp-app' } } } }).app,
    ).toBeUndefined();
  });

  it('updates a Secret only when its data, type or labels differ (extra labels are kept)', () => {
    const cluster: Cluster = {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: { name: 'kcp', namespace: 'team-a', uid: 'uid-1' },
    };
    const creds = { username: 'app', password: 'p' };
    const desired = credentialSecret(cluster, 'kcp-app', 'app', creds, {
      host: 'h',
      port: 1,
      dbname: 'app',
    });
    const extraLabel = {
      ...desired,
      metadata: { ...desired.metadata, labels: { ...desired.metadata.labels, mine: 'x' } },
    };
    expect(secretUpToDate(extraLabel, desired)).toBe(true);
    const moved = credentialSecret(cluster, 'kcp-app', 'app', creds, {
      host: 'h',
      port: 2,
      dbname: 'app',
    });
    expect(secretUpToDate(moved, desired)).toBe(false);
    expect(secretUpToDate({ ...desired, type: 'Opaque' }, desired)).toBe(false);
    const labelChanged = {
      ...desired,
      metadata: {
        ...desired.metadata,
        labels: { ...desired.metadata.labels, 'cnpg.io/userType': 'superuser' },
      },
    };
    expect(secretUpToDate(labelChanged, desired)).toBe(false);
  });

  it('sets only the role passwords whose digest changed; postgres gets NULL without superuser access', () => {
    const digest = (role: string, password: string | null) => `${role}:${password ?? 'NULL'}`;
    const credentials: ResolvedCredentials = {
      superuser: null,
      owner: { username: 'app', password: 'a' },
      versions: {},
    };
    const todo = rolesToSync({
      replicationPassword: 'r',
      credentials,
      owner: 'app',
      applied: { streaming_replica: 'streaming_replica:r' },
      digest,
    });
    expect(todo).toEqual([
      { role: 'postgres', password: null, options: '' },
      { role: 'app', password: 'a', options: 'LOGIN' },
    ]);
    expect(
      rolesToSync({
        replicationPassword: 'r',
        credentials,
        owner: 'app',
        applied: {
          streaming_replica: 'streaming_replica:r',
          postgres: 'postgres:NULL',
          app: 'app:a',
        },
        digest,
      }),
    ).toEqual([]);
  });
});
