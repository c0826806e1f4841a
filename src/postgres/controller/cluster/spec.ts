/**
 * A Cluster's spec resolved with CloudNativePG's defaults, plus what the local runtime
 * ignores: every set field outside the supported ones is named in the `IgnoredFields`
 * condition (accepted, not rejected), with why for the common ones. `imageName` is decided
 * apart (`image.ts`: its major version is honoured where installed).
 */
import { isLibraryName, validateParameters } from '../../runtime/parameters.ts';
import type { ClusterSpec, SynchronousSpec } from '../../types.ts';

export interface ResolvedSpec {
  readonly instances: number;
  readonly database: string;
  readonly owner: string;
  readonly ownerSecret?: string;
  readonly superuserSecret?: string;
  readonly enableSuperuserAccess: boolean;
  readonly parameters: Record<string, string>;
  readonly sharedPreloadLibraries: string[];
  readonly pgHba: string[];
  readonly encoding: string;
  readonly localeCollate: string;
  readonly localeCType: string;
  readonly dataChecksums: boolean;
  readonly walSegmentSize?: number;
  readonly postInitSQL: string[];
  readonly postInitApplicationSQL: string[];
  readonly postInitTemplateSQL: string[];
  readonly primaryUpdateStrategy: 'unsupervised' | 'supervised';
  readonly primaryUpdateMethod: 'restart' | 'switchover';
  readonly failoverDelaySeconds: number;
  readonly switchoverDelaySeconds: number;
  readonly startDelaySeconds: number;
  readonly stopDelaySeconds: number;
  readonly storageSize?: string;
  /** Synchronous replication; absent: asynchronous. */
  readonly synchronous?: SyncPolicy;
}

/**
 * Synchronous replication, from either of CloudNativePG's forms: `minSyncReplicas` /
 * `maxSyncReplicas` (quorum of min..max, as many as are ready), or `postgresql.synchronous`
 * (`number` standbys by `method`; a fixed number when `dataDurability` is `required`, as
 * many as are ready up to it when `preferred`). A commit waits for as many standbys as
 * replicas are ready, but at least `min` and at most `max`.
 */
export interface SyncPolicy {
  readonly method: 'any' | 'first';
  readonly min: number;
  readonly max: number;
  /** How many of the Cluster's own instances may be named (all when absent). */
  readonly maxFromCluster?: number;
  /** Application names listed before and after the Cluster's own instances. */
  readonly namesPre: readonly string[];
  readonly namesPost: readonly string[];
}

export interface SpecResolution {
  readonly spec: ResolvedSpec;
  /** Spec problems the schema cannot catch; the cluster is not changed while any exist. */
  readonly errors: string[];
  /** Dotted paths of set fields the local runtime does not honour. */
  readonly ignored: string[];
}

/** Fields honoured (or harmlessly informational), as dotted paths; a prefix covers its sub-tree. */
const SUPPORTED = new Set([
  'instances',
  'description',
  'storage.size',
  'superuserSecret',
  'enableSuperuserAccess',
  'bootstrap.initdb.database',
  'bootstrap.initdb.owner',
  'bootstrap.initdb.secret',
  'bootstrap.initdb.encoding',
  'bootstrap.initdb.localeCollate',
  'bootstrap.initdb.localeCType',
  'bootstrap.initdb.locale',
  'bootstrap.initdb.dataChecksums',
  'bootstrap.initdb.walSegmentSize',
  'bootstrap.initdb.postInitSQL',
  'bootstrap.initdb.postInitApplicationSQL',
  'bootstrap.initdb.postInitTemplateSQL',
  'postgresql.parameters',
  'postgresql.pg_hba',
  'postgresql.shared_preload_libraries',
  'primaryUpdateStrategy',
  'primaryUpdateMethod',
  'minSyncReplicas',
  'maxSyncReplicas',
  'postgresql.synchronous',
  'failoverDelay',
  'switchoverDelay',
  'startDelay',
  'stopDelay',
  // its major version is honoured or explained in image.ts
  'imageName',
  // defaulted by the schema and meaningless without pods: not worth a warning
  'smartShutdownTimeout',
  'logLevel',
]);

function isSet(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** Why common CloudNativePG fields are not honoured here, said next to them. */
const WHY_IGNORED: Record<string, string> = {
  backup: 'nothing backs the cluster up: no base backups, no WAL archive',
  affinity: "instances are processes on the service's one host, not scheduled pods",
  resources: 'instances run without CPU or memory limits',
  monitoring: 'no exporter or PodMonitor; the operator has its own /metrics',
  'storage.storageClass': "data lives in the operator's data directory, not on volumes",
  walStorage: 'WAL stays in the data directory',
  replica: 'a cluster cannot follow another one',
  externalClusters: 'a cluster cannot follow or import from another one',
  certificates: 'no TLS: connections are plain over the loopback or --bind address',
};

export function ignoredFields(spec: ClusterSpec | undefined): string[] {
  const out: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (SUPPORTED.has(path)) return;
    if (!isSet(value)) return;
    const below = [...SUPPORTED].some((s) => s.startsWith(`${path}.`));
    if (below && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>))
        walk(v, `${path}.${k}`);
      return;
    }
    out.push(WHY_IGNORED[path] ? `${path} (${WHY_IGNORED[path]})` : path);
  };
  for (const [k, v] of Object.entries(spec ?? {})) walk(v, k);
  return out.sort();
}

const num = (v: unknown, d = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

export function resolveSpec(spec: ClusterSpec | undefined): SpecResolution {
  const s = spec ?? {};
  const initdb = s.bootstrap?.initdb ?? {};
  const errors: string[] = [];
  const instances = Number.isInteger(s.instances) ? (s.instances as number) : 1;
  if (instances < 1) errors.push('spec.instances must be at least 1');
  const database = initdb.database || 'app';
  const owner = initdb.owner || database;
  for (const [field, value] of [
    ['bootstrap.initdb.database', database],
    ['bootstrap.initdb.owner', owner],
  ] as const) {
    if (!/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/.test(value))
      errors.push(`spec.${field} ${JSON.stringify(value)} is not a valid PostgreSQL name`);
  }
  if (['postgres', 'template0', 'template1'].includes(database))
    errors.push(`spec.bootstrap.initdb.database cannot be ${database}`);
  if (owner === 'postgres' || owner === 'streaming_replica')
    errors.push(`spec.bootstrap.initdb.owner cannot be ${owner}`);
  const parameters: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.postgresql?.parameters ?? {})) parameters[k] = String(v);
  errors.push(
    ...validateParameters(parameters, instances).map((e) => `spec.postgresql.parameters: ${e}`),
  );
  for (const lib of strings(s.postgresql?.shared_preload_libraries))
    if (!isLibraryName(lib))
      errors.push(
        `spec.postgresql.shared_preload_libraries: ${lib}: libraries load by name only, not by path`,
      );
  const pgHba = strings(s.postgresql?.pg_hba);
  for (const line of pgHba) {
    if (/[\r\n]/.test(line))
      errors.push('spec.postgresql.pg_hba: a rule may not contain a line break');
    // The server reads files named by include directives and @-lists on the host it
    // shares with other tenants' instances.
    if (/^\s*include(_if_exists|_dir)?(\s|$)/.test(line) || /(^|[\s,])@/.test(line))
      errors.push('spec.postgresql.pg_hba: a rule may not include or refer to a file');
  }
  const locale = typeof initdb.locale === 'string' && initdb.locale ? initdb.locale : undefined;
  const synchronous = syncPolicy(s, instances, errors);
  return {
    errors,
    ignored: ignoredFields(s),
    spec: {
      instances: Math.max(1, instances),
      database,
      owner,
      ...(initdb.secret?.name ? { ownerSecret: initdb.secret.name } : {}),
      ...(s.superuserSecret?.name ? { superuserSecret: s.superuserSecret.name } : {}),
      enableSuperuserAccess: s.enableSuperuserAccess === true,
      parameters,
      sharedPreloadLibraries: strings(s.postgresql?.shared_preload_libraries),
      pgHba,
      encoding: initdb.encoding || 'UTF8',
      localeCollate: initdb.localeCollate || locale || 'C',
      localeCType: initdb.localeCType || locale || 'C',
      dataChecksums: initdb.dataChecksums === true,
      ...(typeof initdb.walSegmentSize === 'number'
        ? { walSegmentSize: initdb.walSegmentSize }
        : {}),
      postInitSQL: strings(initdb.postInitSQL),
      postInitApplicationSQL: strings(initdb.postInitApplicationSQL),
      postInitTemplateSQL: strings(initdb.postInitTemplateSQL),
      primaryUpdateStrategy:
        s.primaryUpdateStrategy === 'supervised' ? 'supervised' : 'unsupervised',
      primaryUpdateMethod: s.primaryUpdateMethod === 'switchover' ? 'switchover' : 'restart',
      failoverDelaySeconds: Math.max(0, num(s.failoverDelay, 0)),
      switchoverDelaySeconds: Math.max(0, num(s.switchoverDelay, 3600)),
      startDelaySeconds: Math.max(1, num(s.startDelay, 3600)),
      stopDelaySeconds: Math.max(1, num(s.stopDelay, 1800)),
      ...(typeof s.storage?.size === 'string' ? { storageSize: s.storage.size } : {}),
      ...(synchronous ? { synchronous } : {}),
    },
  };
}

/** The synchronous replication a spec asks for, checked with CloudNativePG's rules. */
function syncPolicy(s: ClusterSpec, instances: number, errors: string[]): SyncPolicy | undefined {
  const minSync = Math.max(0, num(s.minSyncReplicas));
  const maxSync = Math.max(0, num(s.maxSyncReplicas));
  const sync: SynchronousSpec | undefined = s.postgresql?.synchronous;
  if (sync && Object.keys(sync).length > 0) {
    if (minSync > 0 || maxSync > 0) {
      errors.push(
        'spec.postgresql.synchronous cannot be used with spec.minSyncReplicas or spec.maxSyncReplicas: choose one form',
      );
      return undefined;
    }
    const method = sync.method === 'first' ? 'first' : 'any';
    const number = num(sync.number);
    const namesPre = strings(sync.standbyNamesPre);
    const namesPost = strings(sync.standbyNamesPost);
    const fromCluster = Math.min(
      instances - 1,
      sync.maxStandbyNamesFromCluster === undefined
        ? instances
        : Math.max(0, num(sync.maxStandbyNamesFromCluster)),
    );
    const preferred = sync.dataDurability === 'preferred';
    if (number < 1) errors.push('spec.postgresql.synchronous.number must be greater than zero');
    else if (number > fromCluster + namesPre.length + namesPost.length)
      errors.push(
        `spec.postgresql.synchronous.number (${number}) must not exceed the standbys it can name: ${fromCluster} of the Cluster's own instances plus standbyNamesPre and standbyNamesPost`,
      );
    if (preferred && namesPre.length + namesPost.length > 0)
      errors.push(
        "spec.postgresql.synchronous: dataDurability set to 'preferred' requires empty 'standbyNamesPre' and empty 'standbyNamesPost'",
      );
    for (const name of [...namesPre, ...namesPost])
      if (name === '' || /[\r\n]/.test(name))
        errors.push(
          `spec.postgresql.synchronous: ${JSON.stringify(name)} is not a valid application name`,
        );
    return {
      method,
      min: preferred ? 0 : number,
      max: number,
      ...(sync.maxStandbyNamesFromCluster === undefined ? {} : { maxFromCluster: fromCluster }),
      namesPre,
      namesPost,
    };
  }
  // CloudNativePG's rules: at most instances - 1 synchronous replicas, min not above max.
  if (minSync > maxSync)
    errors.push('spec.minSyncReplicas cannot be greater than spec.maxSyncReplicas');
  if (maxSync > 0 && maxSync >= instances)
    errors.push('spec.maxSyncReplicas must be lower than the number of instances');
  return maxSync > 0
    ? { method: 'any', min: minSync, max: maxSync, namesPre: [], namesPost: [] }
    : undefined;
}
