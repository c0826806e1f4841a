/**
 * A Cluster's spec resolved with CloudNativePG's defaults, plus what the local runtime
 * ignores: every set field outside the supported ones is named in the `IgnoredFields`
 * condition (accepted, not rejected), with why for the common ones. `imageName` is decided
 * apart (`image.ts`: its major version is honoured where installed).
 */
import { isLibraryName, validateParameters } from '../../runtime/parameters.ts';
import type { ClusterSpec } from '../../types.ts';

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
  /** Synchronous replication: how many replicas must confirm a commit (0, 0: asynchronous). */
  readonly minSyncReplicas: number;
  readonly maxSyncReplicas: number;
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
  'postgresql.synchronous': 'replication is asynchronous',
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
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v : d);
  // CloudNativePG's rules: at most instances - 1 synchronous replicas, min not above max.
  const minSync = Math.max(0, num(s.minSyncReplicas, 0));
  const maxSync = Math.max(0, num(s.maxSyncReplicas, 0));
  if (minSync > maxSync)
    errors.push('spec.minSyncReplicas cannot be greater than spec.maxSyncReplicas');
  if (maxSync > 0 && maxSync >= instances)
    errors.push('spec.maxSyncReplicas must be lower than the number of instances');
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
      minSyncReplicas: minSync,
      maxSyncReplicas: maxSync,
    },
  };
}
