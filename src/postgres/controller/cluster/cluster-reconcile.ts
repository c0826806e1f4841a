/**
 * The decisions of a Cluster reconcile, apart from the work that carries them out
 * (`cluster-controller.ts` and the section modules beside it). Each function takes what
 * was observed (instance phases and health, the spec, Secrets, the time) and says what to
 * do; none starts a process, writes a file or calls the API. Lookups are passed in as
 * functions, so `cluster-reconcile.test.ts` states each rule as a table.
 */
import type { Secret } from '../../../api/core/types.ts';
import { appSecretName, compareInstanceNames, superuserSecretName } from '../../names.ts';
import type { Health, InstancePhase } from '../../runtime/instance.ts';
import {
  type Cluster,
  type ClusterStatus,
  PENDING_FAILOVER_MARKER,
  Phase,
  type PhaseName,
  STREAMING_REPLICATION_USER,
} from '../../types.ts';
import { type Credentials, decode, isOwnedBy, readCredentials } from './secrets.ts';
import type { ResolvedSpec, SyncPolicy } from './spec.ts';

/**
 * Stops a pass with the Cluster in `phase` and `message` as its reason, to be tried again
 * after `requeueAfterMs` (or when something it watches changes).
 */
export class Blocked extends Error {
  readonly phase: PhaseName;
  readonly requeueAfterMs: number | undefined;
  constructor(phase: PhaseName, message: string, requeueAfterMs?: number) {
    super(message);
    this.phase = phase;
    this.requeueAfterMs = requeueAfterMs;
  }
}

/** The health of an instance by name, as the last probe saw it. */
export type HealthOf = (name: string) => Health | undefined;

interface Named {
  readonly name: string;
}

/** An instance as the decisions see it (`runtime/instance.ts`'s `Instance` is one). */
export interface InstanceLike extends Named {
  readonly state: { readonly phase: InstancePhase; readonly serial: number };
}

/** A running server whose recovery is over: a (possible) primary. */
export const isWritable = (health: Health | undefined): boolean => health?.inRecovery === false;

/** The most advanced of `candidates` by WAL position; the lowest name among equals. */
export function mostAdvanced<T extends Named>(candidates: readonly T[], health: HealthOf): T {
  return [...candidates].sort((a, b) => {
    const la = health(a.name)?.lsn ?? -1n;
    const lb = health(b.name)?.lsn ?? -1n;
    return la === lb ? compareInstanceNames(a.name, b.name) : la > lb ? -1 : 1;
  })[0] as T;
}

export interface RolesDecision<T> {
  readonly primary: T;
  /** The recorded primary, replaced by a server a previous operator promoted. */
  readonly replaced?: T;
  /** Unexpected second primaries, to be rejoined as replicas. */
  readonly demote: readonly T[];
}

/**
 * Makes the recorded roles match the running servers. An operator that died between a
 * promotion and recording it leaves a second server out of recovery: if the recorded
 * primary is not writable, the promoted one (the most advanced, should there be several)
 * becomes primary; any other writable server is demoted.
 */
export function reconcileRoles<T extends Named>(
  recorded: T,
  writable: readonly T[],
  health: HealthOf,
): RolesDecision<T> {
  const others = writable.filter((i) => i !== recorded);
  if (others.length === 0) return { primary: recorded, demote: [] };
  if (writable.includes(recorded)) return { primary: recorded, demote: others };
  const primary = mostAdvanced(others, health);
  return { primary, replaced: recorded, demote: others.filter((i) => i !== primary) };
}

/** Replicas that are provisioned, answer and replay WAL: candidates for promotion. */
export function readyReplicas<T extends InstanceLike>(
  instances: readonly T[],
  primary: T | undefined,
  health: HealthOf,
): T[] {
  return instances.filter(
    (i) =>
      i !== primary &&
      i.state.phase === 'ready' &&
      health(i.name)?.ready === true &&
      health(i.name)?.inRecovery === true,
  );
}

/** A primary's `synchronous_standby_names`, decided: wait for `count` of `names` by `method`. */
export interface SynchronousStandbys {
  readonly method: 'any' | 'first';
  readonly count: number;
  readonly names: readonly string[];
}

/**
 * Which standbys a primary's commits wait for, as CloudNativePG decides it: the Cluster's
 * other instances (ready ones first, so a cap on how many are named keeps those that can
 * answer), between the policy's extra names; as many as there are ready replicas, but at
 * least `min` (commits then wait: durability over availability) and at most `max`.
 */
export function synchronousStandbys(
  policy: SyncPolicy | undefined,
  others: readonly string[],
  ready: ReadonlySet<string>,
): SynchronousStandbys | undefined {
  if (!policy || policy.max <= 0) return undefined;
  const own = [...others.filter((n) => ready.has(n)), ...others.filter((n) => !ready.has(n))];
  const named = own.slice(0, policy.maxFromCluster ?? own.length);
  const names = [...policy.namesPre, ...named, ...policy.namesPost];
  if (names.length === 0) return undefined;
  const readyNamed = named.filter((n) => ready.has(n)).length;
  const count = Math.min(Math.max(readyNamed, policy.min), policy.max, names.length);
  return count > 0 ? { method: policy.method, count, names } : undefined;
}

/** A running primary that does not answer gets this long (crash recovery) before failover. */
export const HUNG_PRIMARY_GRACE_MS = 10_000;

export type PrimaryDecision =
  | { readonly action: 'none' }
  | { readonly action: 'wait-for-failover'; readonly remainingMs: number }
  | { readonly action: 'failover' }
  | { readonly action: 'restart-in-place' }
  | { readonly action: 'wait-for-primary' };

/**
 * What to do about the primary: nothing while it answers; a dead one (or one hung past
 * the grace) fails over to a ready replica once `failoverDelayMs` has passed since it was
 * first seen unhealthy, or is restarted in place when there is no replica; a running one
 * that does not answer yet is waited for.
 */
export function planPrimary(input: {
  readonly health: Health | undefined;
  readonly readyReplicas: number;
  readonly unhealthySince: number;
  readonly now: number;
  readonly failoverDelayMs: number;
}): PrimaryDecision {
  const { health, failoverDelayMs: delay } = input;
  if (health?.ready) return { action: 'none' };
  const waited = input.now - input.unhealthySince;
  const dead = !health?.running;
  const hung = !dead && waited > delay + HUNG_PRIMARY_GRACE_MS;
  if (input.readyReplicas > 0 && (dead || hung)) {
    return waited < delay
      ? { action: 'wait-for-failover', remainingMs: delay - waited }
      : { action: 'failover' };
  }
  return dead ? { action: 'restart-in-place' } : { action: 'wait-for-primary' };
}

/**
 * A switchover the user asked for by setting `status.targetPrimary` to another instance:
 * carried out when that instance is a ready replica, rejected (and the target reset)
 * otherwise. Only while the status's current primary is the running one, so a pass that
 * just failed over does not read its own `pending` marker as a request.
 */
export function planSwitchover(input: {
  readonly status: ClusterStatus | undefined;
  readonly primary: string;
  readonly isReadyInstance: (name: string) => boolean;
}): { readonly action: 'none' } | { readonly action: 'switchover' | 'reject'; target: string } {
  const target = input.status?.targetPrimary;
  if (
    !target ||
    target === input.primary ||
    target === PENDING_FAILOVER_MARKER ||
    input.status?.currentPrimary !== input.primary
  ) {
    return { action: 'none' };
  }
  return { action: input.isReadyInstance(target) ? 'switchover' : 'reject', target };
}

export type ReplicaAction = 'rejoin' | 'clone' | 'start' | 'check-streaming';

/**
 * The next step for a replica: a former primary rejoins; an unprovisioned one (or one
 * whose data is gone) is cloned; a stopped one is started; a running one is checked for
 * streaming.
 */
export function planReplica(replica: {
  readonly phase: InstancePhase;
  readonly hasData: boolean;
  readonly running: boolean;
}): ReplicaAction {
  if (replica.phase === 'rejoining') return 'rejoin';
  if (replica.phase !== 'ready' || !replica.hasData) return 'clone';
  return replica.running ? 'check-streaming' : 'start';
}

/** How long a running replica may fail to stream before it is rewound or re-cloned. */
export const REJOIN_AFTER_MS = 30_000;

/**
 * Whether a replica that answers but does not stream (its WAL diverged from the primary's
 * timeline, say) has done so for REJOIN_AFTER_MS, and when it was first seen so
 * (`undefined`: forget it). Only judged while the primary answers.
 */
export function streamingCheck(input: {
  readonly replica: Health | undefined;
  readonly primaryReady: boolean;
  readonly notStreamingSince: number | undefined;
  readonly now: number;
}): { readonly rejoin: boolean; readonly since: number | undefined } {
  const { replica } = input;
  if (!replica?.ready || replica.streaming || !input.primaryReady) {
    return { rejoin: false, since: undefined };
  }
  const since = input.notStreamingSince ?? input.now;
  if (input.now - since < REJOIN_AFTER_MS) return { rejoin: false, since };
  return { rejoin: true, since: undefined };
}

/**
 * Instances to remove when there are more than `desired`: never the primary; replicas
 * that are not ready first, then the newest.
 */
export function scaleDownVictims<T extends InstanceLike>(
  instances: readonly T[],
  primary: T,
  desired: number,
  health: HealthOf,
): T[] {
  const excess = instances.length - desired;
  if (excess <= 0) return [];
  return instances
    .filter((i) => i !== primary)
    .sort((a, b) => {
      const ra = health(a.name)?.ready ? 1 : 0;
      const rb = health(b.name)?.ready ? 1 : 0;
      return ra !== rb ? ra - rb : b.state.serial - a.state.serial;
    })
    .slice(0, excess);
}

export type PrimaryRestartDecision<T> =
  | { readonly action: 'none' }
  | { readonly action: 'wait-for-user'; readonly reason: string }
  | { readonly action: 'switchover'; readonly to: T }
  | { readonly action: 'restart-in-place' };

/**
 * How a primary gets restart-only parameters (after its replicas): not until the user
 * switches over (`primaryUpdateStrategy: supervised`), by switching over to a ready replica
 * (`primaryUpdateMethod: switchover`), else by restarting it in place.
 */
export function planPrimaryRestart<T>(input: {
  readonly needed: boolean;
  readonly primary: string;
  readonly strategy: ResolvedSpec['primaryUpdateStrategy'];
  readonly method: ResolvedSpec['primaryUpdateMethod'];
  readonly readyReplica: T | undefined;
}): PrimaryRestartDecision<T> {
  if (!input.needed) return { action: 'none' };
  if (input.strategy === 'supervised') {
    return {
      action: 'wait-for-user',
      reason: `restart-only parameters changed: switch over to a replica (set status.targetPrimary) to apply them to ${input.primary}`,
    };
  }
  if (input.method === 'switchover' && input.readyReplica) {
    return { action: 'switchover', to: input.readyReplica };
  }
  return { action: 'restart-in-place' };
}

/**
 * `status.currentPrimary` and `status.targetPrimary` to publish: the current one only once
 * it is ready; the target as this pass says (`override`), else a switchover the user asked
 * for and this pass has not seen yet, else the primary.
 */
export function statusPrimaries(input: {
  readonly primary: { readonly name: string; readonly ready: boolean } | undefined;
  readonly previous: ClusterStatus;
  readonly isInstance: (name: string) => boolean;
  readonly override?: string;
}): { readonly currentPrimary?: string; readonly targetPrimary?: string } {
  const { primary, previous } = input;
  const current = primary?.ready ? primary.name : undefined;
  const requested = previous.targetPrimary;
  // (The failover marker `pending` is never an instance, so it is never kept.)
  const userRequest =
    requested &&
    requested !== current &&
    input.isInstance(requested) &&
    previous.currentPrimary === current
      ? requested
      : undefined;
  const target = input.override ?? userRequest ?? primary?.name;
  return {
    ...(current ? { currentPrimary: current } : {}),
    ...(target ? { targetPrimary: target } : {}),
  };
}

/** How often a Cluster that looks settled is checked again anyway. */
export const RESYNC_MS = 5 * 60_000;
/** How soon a Cluster on its way to health is looked at again. */
export const PROGRESS_MS = 2000;

/**
 * The phase at the end of a complete pass and when to come back: the steady phase, unless
 * invalid parameters or a change waiting for the user hold it in Waiting for user action;
 * soon while it is on its way to health, rarely when healthy or waiting for the user; at
 * once when the primary stopped running after the pass had decided about it. (The health
 * monitor does not see that death: it compares the pids with what the pass last saw, and
 * the pass saw it, so without this the failover would wait for the next pass.)
 */
export function endOfPass(input: {
  readonly steady: PhaseName;
  readonly configError: string | undefined;
  readonly waitingForUser: string | undefined;
  readonly primaryRunning: boolean;
}): { readonly phase: PhaseName; readonly reason?: string; readonly requeueAfterMs: number } {
  const reason = input.configError ?? input.waitingForUser;
  const phase = reason ? Phase.WaitingForUser : input.steady;
  const requeueAfterMs = !input.primaryRunning
    ? 0
    : phase !== Phase.Healthy && !input.waitingForUser
      ? PROGRESS_MS
      : RESYNC_MS;
  return { phase, ...(reason ? { reason } : {}), requeueAfterMs };
}

/**
 * The phase to report when a pass fails unexpectedly: still setting up the first primary
 * until one is ready, else the phase the status had.
 */
export function phaseAfterError(primaryReady: boolean, previous: ClusterStatus): PhaseName {
  if (!primaryReady) return Phase.FirstPrimary;
  return (previous.phase as PhaseName | undefined) ?? Phase.WaitingForInstancesToBeActive;
}

export interface ResolvedCredentials {
  /** null: superuser access disabled (password NULL). */
  readonly superuser: Credentials | null;
  readonly owner: Credentials;
  /** `status.secretsResourceVersion`: the resourceVersions of the Secrets read. */
  readonly versions: Record<string, string>;
}

/** How long a new Cluster waits for its owner Secret before the owner gets a generated password. */
export const OWNER_SECRET_GRACE_MS = 10_000;

/**
 * A Secret by name in the Cluster's namespace; `direct` reads through to the server when
 * the cache does not have it (for the operator's own Secrets, just written).
 */
export type SecretLookup = (name: string, direct: boolean) => Promise<Secret | undefined>;

/**
 * The credentials the roles must have. The superuser's: from `spec.superuserSecret`
 * (waited for while missing), else kept from the generated `<cluster>-superuser`, else
 * generated; none when superuser access is off. The owner's: from
 * `bootstrap.initdb.secret` when it exists; a missing one is tolerated, as CloudNativePG
 * does, with a generated password (kept in `<cluster>-app`) until it appears, except that
 * a new Cluster without a primary waits OWNER_SECRET_GRACE_MS for it: a Secret applied
 * together with its Cluster (or carried down just after it by a sync agent) then sets the
 * password from the start.
 */
export async function resolveCredentials(input: {
  readonly cluster: Cluster;
  readonly spec: ResolvedSpec;
  readonly hasPrimary: boolean;
  readonly now: number;
  readonly secret: SecretLookup;
  readonly generatePassword: () => string;
}): Promise<ResolvedCredentials> {
  const { spec, cluster, secret, generatePassword } = input;
  const versions: Record<string, string> = {};
  let superuser: Credentials | null = null;
  if (spec.enableSuperuserAccess) {
    if (spec.superuserSecret) {
      const found = await secret(spec.superuserSecret, false);
      const read = readCredentials(found, spec.superuserSecret, 'postgres');
      if (!read.ok) {
        throw read.missing
          ? new Blocked(
              input.hasPrimary ? Phase.WaitingForUser : Phase.FirstPrimary,
              `waiting for Secret ${spec.superuserSecret} (spec.superuserSecret)`,
              10_000,
            )
          : new Blocked(Phase.WaitingForUser, read.message);
      }
      superuser = read.credentials;
      if (found?.metadata.resourceVersion)
        versions.superuserSecretVersion = found.metadata.resourceVersion;
    } else {
      const found = await secret(superuserSecretName(cluster.metadata.name), true);
      const password = decode(found?.data?.password);
      superuser = { username: 'postgres', password: password || generatePassword() };
      if (found?.metadata.resourceVersion)
        versions.superuserSecretVersion = found.metadata.resourceVersion;
    }
  }
  let owner: Credentials | undefined;
  if (spec.ownerSecret) {
    const found = await secret(spec.ownerSecret, false);
    if (found) {
      const read = readCredentials(found, spec.ownerSecret, spec.owner);
      if (!read.ok) throw new Blocked(Phase.WaitingForUser, read.message);
      owner = read.credentials;
      if (found.metadata.resourceVersion)
        versions.applicationSecretVersion = found.metadata.resourceVersion;
    } else if (!input.hasPrimary && clusterAgeMs(cluster, input.now) < OWNER_SECRET_GRACE_MS) {
      throw new Blocked(
        Phase.FirstPrimary,
        `waiting for Secret ${spec.ownerSecret} (spec.bootstrap.initdb.secret)`,
        500,
      );
    }
  }
  if (!owner) {
    const found = await secret(appSecretName(cluster.metadata.name), true);
    const password = found && isOwnedBy(found, cluster) ? decode(found.data?.password) : undefined;
    owner = { username: spec.owner, password: password || generatePassword() };
    if (found?.metadata.resourceVersion)
      versions.applicationSecretVersion = found.metadata.resourceVersion;
  }
  return { superuser, owner, versions };
}

function clusterAgeMs(cluster: Cluster, now: number): number {
  const created = cluster.metadata.creationTimestamp;
  return created ? now - Date.parse(created) : 0;
}

/**
 * The credential Secrets the operator writes: `<cluster>-superuser` only when it generates
 * the superuser password (otherwise a generated one it owns is removed), `<cluster>-app`
 * unless the user named that very Secret as the owner's.
 */
export function credentialSecretsPlan(spec: ResolvedSpec, clusterName: string) {
  const superuserName = superuserSecretName(clusterName);
  const appName = appSecretName(clusterName);
  const generateSuperuser = spec.enableSuperuserAccess && !spec.superuserSecret;
  return {
    superuser: generateSuperuser
      ? ({ action: 'write', name: superuserName } as const)
      : superuserName === spec.superuserSecret
        ? ({ action: 'keep', name: superuserName } as const)
        : ({ action: 'remove-if-owned', name: superuserName } as const),
    app: spec.ownerSecret === appName ? undefined : appName,
  };
}

/** Whether an operator-owned Secret already holds what `desired` says (extra labels are kept). */
export function secretUpToDate(existing: Secret, desired: Secret): boolean {
  const sorted = (data: Record<string, string> | undefined) =>
    JSON.stringify(Object.entries(data ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const labels = existing.metadata.labels ?? {};
  return (
    sorted(existing.data) === sorted(desired.data) &&
    existing.type === desired.type &&
    JSON.stringify(labels) === JSON.stringify({ ...labels, ...desired.metadata.labels })
  );
}

export interface RolePassword {
  readonly role: string;
  /** null: no password (login by password refused). */
  readonly password: string | null;
  /** The attributes of CREATE/ALTER ROLE. */
  readonly options: string;
}

/**
 * The roles whose password must be set: the replication role, postgres (NULL without
 * superuser access) and the owner, less those whose digest matches the one last applied.
 */
export function rolesToSync(input: {
  readonly replicationPassword: string;
  readonly credentials: ResolvedCredentials;
  readonly owner: string;
  readonly applied: Readonly<Record<string, string>>;
  readonly digest: (role: string, password: string | null) => string;
}): RolePassword[] {
  const roles: RolePassword[] = [
    {
      role: STREAMING_REPLICATION_USER,
      password: input.replicationPassword,
      options: 'LOGIN REPLICATION',
    },
    { role: 'postgres', password: input.credentials.superuser?.password ?? null, options: '' },
    { role: input.owner, password: input.credentials.owner.password, options: 'LOGIN' },
  ];
  return roles.filter((r) => input.applied[r.role] !== input.digest(r.role, r.password));
}
