/**
 * The Cluster status as CloudNativePG writes it, computed from what the runtime sees:
 * instance counts and names, `instancesStatus` (healthy / replicating / failed), primary
 * and target primary, phase, the `Ready` condition (ClusterIsReady / ClusterIsNotReady),
 * services; plus Canopy's `instanceEndpoints` and `writeEndpoint`.
 */
import { type Condition, microTimestamp, timestamp } from '../../../apimachinery/meta.ts';
import { compareInstanceNames, readServiceName, writeServiceName } from '../../names.ts';
import {
  type ClusterStatus,
  type InstanceEndpoint,
  type InstanceHealth,
  type InstanceReportedState,
  Phase,
  type PhaseName,
} from '../../types.ts';

export interface InstanceView {
  readonly name: string;
  readonly role: 'primary' | 'replica';
  /** The instance exists but its data is still being made (initdb, clone, rewind). */
  readonly provisioning: boolean;
  readonly running: boolean;
  readonly ready: boolean;
  readonly host: string;
  readonly port: number;
  readonly pid?: number;
  readonly timeline?: number;
  readonly dataDirectory?: string;
}

export interface StatusInput {
  readonly clusterName: string;
  readonly previous: ClusterStatus | undefined;
  readonly instances: readonly InstanceView[];
  readonly currentPrimary?: string;
  readonly targetPrimary?: string;
  readonly phase: PhaseName;
  readonly phaseReason?: string;
  readonly latestGeneratedNode: number;
  readonly ignoredFields: readonly string[];
  readonly secretsResourceVersion?: Record<string, string>;
  /** The port of the Cluster's read-write endpoint (what writeEndpoint names). */
  readonly readWritePort?: number;
  /** What the instances run (CloudNativePG's `image`). */
  readonly image?: string;
  /** Since when the primary has been seen failing (a failover may follow). */
  readonly primaryFailingSince?: number;
  readonly now: Date;
}

export const READY_CONDITION = 'Ready';
export const IGNORED_FIELDS_CONDITION = 'IgnoredFields';

export function instanceHealth(v: InstanceView): InstanceHealth {
  if (v.ready) return 'healthy';
  if (v.provisioning || v.running) return 'replicating';
  return 'failed';
}

/**
 * Keeps lastTransitionTime when the status did not change. Not apimachinery's setCondition:
 * that one mutates in place and stamps the wall clock, this one is pure and takes `now`.
 */
function setCondition(
  previous: readonly Condition[] | undefined,
  next: Condition,
  now: Date,
): Condition[] {
  const out = (previous ?? []).filter((c) => c.type !== next.type);
  const old = (previous ?? []).find((c) => c.type === next.type);
  out.push({
    ...next,
    lastTransitionTime:
      old && old.status === next.status && old.lastTransitionTime
        ? old.lastTransitionTime
        : timestamp(now),
  });
  return out;
}

function removeCondition(previous: readonly Condition[] | undefined, type: string): Condition[] {
  return (previous ?? []).filter((c) => c.type !== type);
}

export function readyCondition(phase: string): Condition {
  return phase === Phase.Healthy
    ? {
        type: READY_CONDITION,
        status: 'True',
        reason: 'ClusterIsReady',
        message: 'Cluster is Ready',
      }
    : {
        type: READY_CONDITION,
        status: 'False',
        reason: 'ClusterIsNotReady',
        message: 'Cluster Is Not Ready',
      };
}

/** The status fields this operator owns (a merge over the previous status). */
export function computeStatus(input: StatusInput): ClusterStatus {
  const sorted = [...input.instances].sort((a, b) => compareInstanceNames(a.name, b.name));
  const byHealth: Partial<Record<InstanceHealth, string[]>> = {};
  const reported: Record<string, InstanceReportedState> = {};
  const endpoints: Record<string, InstanceEndpoint> = {};
  for (const v of sorted) {
    const h = instanceHealth(v);
    byHealth[h] = [...(byHealth[h] ?? []), v.name];
    if (v.running)
      reported[v.name] = {
        isPrimary: v.role === 'primary',
        ...(v.timeline ? { timeLineID: v.timeline } : {}),
        ip: v.host,
      };
    endpoints[v.name] = {
      host: v.host,
      port: v.port,
      role: v.role,
      ready: v.ready,
      ...(v.running && v.pid ? { pid: v.pid } : {}),
      ...(v.dataDirectory ? { dataDirectory: v.dataDirectory } : {}),
    };
  }
  const prev = input.previous ?? {};
  let conditions = setCondition(prev.conditions, readyCondition(input.phase), input.now);
  conditions =
    input.ignoredFields.length > 0
      ? setCondition(
          conditions,
          {
            type: IGNORED_FIELDS_CONDITION,
            status: 'True',
            reason: 'NotSupportedByLocalRuntime',
            message: `accepted but not honoured by this service's local runtime: ${input.ignoredFields.join('; ')}`,
          },
          input.now,
        )
      : removeCondition(conditions, IGNORED_FIELDS_CONDITION);
  const primary = input.currentPrimary
    ? sorted.find((v) => v.name === input.currentPrimary)
    : undefined;
  const primaryTimeline = primary?.timeline;
  const ready = sorted.filter((v) => v.ready).length;
  // CloudNativePG omits zero counts (omitempty): `kubectl get` shows an empty column.
  const status: ClusterStatus = {
    ...(sorted.length > 0 ? { instances: sorted.length } : {}),
    ...(ready > 0 ? { readyInstances: ready } : {}),
    instanceNames: sorted.map((v) => v.name),
    instancesStatus: byHealth,
    instancesReportedState: reported,
    latestGeneratedNode: input.latestGeneratedNode,
    phase: input.phase,
    conditions,
    writeService: writeServiceName(input.clusterName),
    readService: readServiceName(input.clusterName),
    instanceEndpoints: endpoints,
  };
  if (input.phaseReason) status.phaseReason = input.phaseReason;
  if (input.currentPrimary) status.currentPrimary = input.currentPrimary;
  if (input.targetPrimary) status.targetPrimary = input.targetPrimary;
  if (primary) status.writeEndpoint = `${primary.host}:${input.readWritePort ?? primary.port}`;
  if (input.image) status.image = input.image;
  if (input.primaryFailingSince !== undefined) {
    status.currentPrimaryFailingSinceTimestamp = microTimestamp(
      new Date(input.primaryFailingSince),
    );
  }
  // Every instance runs on the operator's one machine.
  if (sorted.length > 0) {
    status.topology = {
      instances: Object.fromEntries(sorted.map((v) => [v.name, {}])),
      nodesUsed: 1,
      successfullyExtracted: true,
    };
  }
  if (primaryTimeline) status.timelineID = primaryTimeline;
  if (input.secretsResourceVersion && Object.keys(input.secretsResourceVersion).length > 0)
    status.secretsResourceVersion = input.secretsResourceVersion;
  // Timestamps move only when the primary (or the target) changes.
  status.currentPrimaryTimestamp =
    input.currentPrimary &&
    prev.currentPrimary === input.currentPrimary &&
    prev.currentPrimaryTimestamp
      ? prev.currentPrimaryTimestamp
      : input.currentPrimary
        ? microTimestamp(input.now)
        : undefined;
  status.targetPrimaryTimestamp =
    input.targetPrimary && prev.targetPrimary === input.targetPrimary && prev.targetPrimaryTimestamp
      ? prev.targetPrimaryTimestamp
      : input.targetPrimary
        ? microTimestamp(input.now)
        : undefined;
  if (status.currentPrimaryTimestamp === undefined) delete status.currentPrimaryTimestamp;
  if (status.targetPrimaryTimestamp === undefined) delete status.targetPrimaryTimestamp;
  return status;
}

/**
 * The steady-state phase when no operation is under way: healthy when every desired
 * instance is ready, otherwise waiting for the instances to become active.
 */
export function steadyPhase(instances: readonly InstanceView[], desired: number): PhaseName {
  const ready = instances.filter((v) => v.ready).length;
  const primaryReady = instances.some((v) => v.role === 'primary' && v.ready);
  if (primaryReady && ready === desired && instances.length === desired) return Phase.Healthy;
  return Phase.WaitingForInstancesToBeActive;
}

/** The status fields the operator owns; anything else (user-set or unknown) is left alone. */
export const OWNED_STATUS_FIELDS = [
  'instances',
  'readyInstances',
  'instanceNames',
  'instancesStatus',
  'instancesReportedState',
  'latestGeneratedNode',
  'currentPrimary',
  'currentPrimaryTimestamp',
  'targetPrimary',
  'targetPrimaryTimestamp',
  'timelineID',
  'phase',
  'phaseReason',
  'conditions',
  'writeService',
  'readService',
  'secretsResourceVersion',
  'image',
  'currentPrimaryFailingSinceTimestamp',
  'topology',
  'instanceEndpoints',
  'writeEndpoint',
] as const;

/** Status fields of Canopy's own Cluster schema that CloudNativePG's does not have. */
export const CANOPY_STATUS_FIELDS: ReadonlySet<string> = new Set([
  'instanceEndpoints',
  'writeEndpoint',
]);
