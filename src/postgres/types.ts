/**
 * The parts of CloudNativePG's `postgresql.cnpg.io/v1` API that the local runtime reads
 * and writes. Field names follow CloudNativePG exactly; fields Canopy does not model are
 * kept by the CRD schema (`x-kubernetes-preserve-unknown-fields`) and listed in the
 * `IgnoredFields` condition instead of being rejected.
 */
import type { Condition, KubeObject, ObjectMeta } from '../apimachinery/meta.ts';

export const GROUP = 'postgresql.cnpg.io';
export const VERSION = 'v1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export interface LocalObjectReference {
  name?: string;
}

export interface InitdbSpec {
  database?: string;
  owner?: string;
  secret?: LocalObjectReference;
  encoding?: string;
  localeCollate?: string;
  localeCType?: string;
  locale?: string;
  dataChecksums?: boolean;
  postInitSQL?: string[];
  postInitApplicationSQL?: string[];
  postInitTemplateSQL?: string[];
  [field: string]: unknown;
}

/** CloudNativePG's `spec.postgresql.synchronous` (the newer form of synchronous replication). */
export interface SynchronousSpec {
  method?: 'any' | 'first';
  number?: number;
  maxStandbyNamesFromCluster?: number;
  standbyNamesPre?: string[];
  standbyNamesPost?: string[];
  dataDurability?: 'required' | 'preferred';
  [field: string]: unknown;
}

export interface ClusterSpec {
  instances?: number;
  description?: string;
  imageName?: string;
  storage?: { size?: string; storageClass?: string; [field: string]: unknown };
  superuserSecret?: LocalObjectReference;
  enableSuperuserAccess?: boolean;
  bootstrap?: { initdb?: InitdbSpec; [field: string]: unknown };
  postgresql?: {
    parameters?: Record<string, string>;
    synchronous?: SynchronousSpec;
    [field: string]: unknown;
  };
  primaryUpdateStrategy?: 'unsupervised' | 'supervised';
  primaryUpdateMethod?: 'restart' | 'switchover';
  failoverDelay?: number;
  switchoverDelay?: number;
  startDelay?: number;
  stopDelay?: number;
  minSyncReplicas?: number;
  maxSyncReplicas?: number;
  [field: string]: unknown;
}

/** CloudNativePG's `utils.PodStatus` keys of `instancesStatus`. */
export type InstanceHealth = 'healthy' | 'replicating' | 'failed';

export interface InstanceReportedState {
  isPrimary: boolean;
  timeLineID?: number;
  ip?: string;
}

/** Canopy extension: where each local instance listens (there are no pods or Services). */
export interface InstanceEndpoint {
  host: string;
  port: number;
  role: 'primary' | 'replica';
  ready: boolean;
  pid?: number;
  dataDirectory?: string;
}

export interface ClusterStatus {
  instances?: number;
  readyInstances?: number;
  instancesStatus?: Partial<Record<InstanceHealth, string[]>>;
  instanceNames?: string[];
  instancesReportedState?: Record<string, InstanceReportedState>;
  latestGeneratedNode?: number;
  currentPrimary?: string;
  currentPrimaryTimestamp?: string;
  targetPrimary?: string;
  targetPrimaryTimestamp?: string;
  timelineID?: number;
  phase?: string;
  phaseReason?: string;
  conditions?: Condition[];
  writeService?: string;
  readService?: string;
  secretsResourceVersion?: Record<string, string>;
  /** Canopy extension: instance name → address, port and role. */
  instanceEndpoints?: Record<string, InstanceEndpoint>;
  /** Canopy extension: `host:port` of the current primary (what `<cluster>-rw` would reach). */
  writeEndpoint?: string;
  [field: string]: unknown;
}

export interface Cluster extends KubeObject {
  metadata: ObjectMeta & { name: string; namespace: string; uid: string };
  spec?: ClusterSpec;
  status?: ClusterStatus;
}

export interface DatabaseSpec {
  cluster?: LocalObjectReference;
  name?: string;
  owner?: string;
  ensure?: 'present' | 'absent';
  databaseReclaimPolicy?: 'retain' | 'delete';
  template?: string;
  encoding?: string;
  locale?: string;
  localeProvider?: string;
  localeCollate?: string;
  localeCType?: string;
  icuLocale?: string;
  icuRules?: string;
  builtinLocale?: string;
  collationVersion?: string;
  isTemplate?: boolean;
  allowConnections?: boolean;
  connectionLimit?: number;
  tablespace?: string;
  [field: string]: unknown;
}

export interface DatabaseStatus {
  observedGeneration?: number;
  applied?: boolean;
  message?: string;
  [field: string]: unknown;
}

export interface Database extends KubeObject {
  metadata: ObjectMeta & { name: string; namespace: string; uid: string };
  spec?: DatabaseSpec;
  status?: DatabaseStatus;
}

/** Cluster phases, exactly as CloudNativePG writes them. */
export const Phase = {
  FirstPrimary: 'Setting up primary',
  CreatingReplica: 'Creating a new replica',
  Healthy: 'Cluster in healthy state',
  Switchover: 'Switchover in progress',
  Failover: 'Failing over',
  Upgrade: 'Upgrading cluster',
  UpgradeDelayed: 'Cluster upgrade delayed',
  WaitingForUser: 'Waiting for user action',
  InplacePrimaryRestart: 'Primary instance is being restarted in-place',
  WaitingForInstancesToBeActive: 'Waiting for the instances to become active',
  ApplyingConfiguration: 'Applying configuration',
  CannotCreateClusterObjects: 'Unable to create required cluster objects',
  Unrecoverable: 'Cluster is unrecoverable and needs manual intervention',
} as const;
export type PhaseName = (typeof Phase)[keyof typeof Phase];

/** `status.targetPrimary` while a failover is electing a new primary. */
export const PENDING_FAILOVER_MARKER = 'pending';

/** Finalizers: the Cluster one is Canopy's (it owns local processes and files). */
export const CLUSTER_FINALIZER = 'canopy.io/postgres-cleanup';
export const DATABASE_FINALIZER = 'cnpg.io/deleteDatabase';
export const FIELD_MANAGER = 'canopy-postgres-operator';
export const STREAMING_REPLICATION_USER = 'streaming_replica';
