/**
 * The configuration files the operator writes into every data directory (after initdb,
 * pg_basebackup and pg_rewind, which copy the source's files): postgresql.conf with the
 * operator's fixed settings, then the user's `spec.postgresql.parameters`, then the standby
 * settings; pg_hba.conf; an emptied postgresql.auto.conf (ALTER SYSTEM is not used, as in
 * CloudNativePG's default).
 */
import { quoteConfValue } from './parameters.ts';

/** Defaults a user may override through `spec.postgresql.parameters`. */
export const DEFAULT_PARAMETERS: Readonly<Record<string, string>> = {
  wal_level: 'replica',
  max_wal_senders: '10',
  max_replication_slots: '10',
  wal_keep_size: '512MB',
  max_connections: '100',
  shared_buffers: '128MB',
  password_encryption: 'scram-sha-256',
  log_line_prefix: '%m [%p] %q%u@%d ',
  log_timezone: 'UTC',
  timezone: 'UTC',
  dynamic_shared_memory_type: 'posix',
};

export interface StandbyConfig {
  readonly primaryHost: string;
  readonly primaryPort: number;
  readonly user: string;
  readonly password: string;
  readonly applicationName: string;
}

export interface ConfigInput {
  readonly instanceName: string;
  readonly listenAddress: string;
  readonly port: number;
  readonly socketDir: string;
  /** User parameters (already validated). */
  readonly parameters: Readonly<Record<string, string>>;
  readonly sharedPreloadLibraries?: readonly string[];
  readonly standby?: StandbyConfig;
  /** A primary's synchronous standbys: how many of which must confirm each commit. */
  readonly synchronous?: {
    readonly method: 'any' | 'first';
    readonly count: number;
    readonly names: readonly string[];
  };
}

/**
 * `ANY n ("a","b")` (any n of the named standbys, by their application_name) or
 * `FIRST n (…)` (the first n that are connected, in the order listed).
 */
export function synchronousStandbyNames(
  method: 'any' | 'first',
  count: number,
  names: readonly string[],
): string {
  const list = names.map((n) => `"${n.replace(/"/g, '""')}"`).join(',');
  return `${method === 'first' ? 'FIRST' : 'ANY'} ${count} (${list})`;
}

/** A conninfo value: quoted, with backslash and quote escaped (libpq rules). */
export function conninfoValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function primaryConninfo(s: StandbyConfig): string {
  return [
    `host=${conninfoValue(s.primaryHost)}`,
    `port=${s.primaryPort}`,
    `user=${conninfoValue(s.user)}`,
    `password=${conninfoValue(s.password)}`,
    `application_name=${conninfoValue(s.applicationName)}`,
    'sslmode=disable',
    'connect_timeout=5',
  ].join(' ');
}

/** The effective user-visible parameters: defaults overlaid with the user's. */
export function effectiveParameters(input: {
  parameters: Readonly<Record<string, string>>;
  sharedPreloadLibraries?: readonly string[];
}): Record<string, string> {
  const params: Record<string, string> = { ...DEFAULT_PARAMETERS };
  for (const [k, v] of Object.entries(input.parameters)) params[k.toLowerCase()] = v;
  const libs = [
    ...(input.sharedPreloadLibraries ?? []),
    ...(params.shared_preload_libraries ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
  if (libs.length > 0) params.shared_preload_libraries = [...new Set(libs)].join(',');
  return params;
}

export function renderPostgresqlConf(input: ConfigInput): string {
  const lines = [
    '# Written by canopy postgres-operator; edits are overwritten.',
    "# Set parameters in the Cluster's spec.postgresql.parameters.",
    '',
    '# fixed by the operator',
    `listen_addresses = ${quoteConfValue(input.listenAddress)}`,
    `port = ${input.port}`,
    `unix_socket_directories = ${quoteConfValue(input.socketDir)}`,
    'unix_socket_permissions = 0700',
    `cluster_name = ${quoteConfValue(input.instanceName)}`,
    'hot_standby = on',
    'wal_log_hints = on',
    "log_destination = 'stderr'",
    'logging_collector = off',
    ...(input.synchronous && input.synchronous.count > 0 && input.synchronous.names.length > 0
      ? [
          `synchronous_standby_names = ${quoteConfValue(synchronousStandbyNames(input.synchronous.method, input.synchronous.count, input.synchronous.names))}`,
        ]
      : []),
    '',
    '# defaults and spec.postgresql.parameters',
  ];
  const params = effectiveParameters(input);
  for (const name of Object.keys(params).sort())
    lines.push(`${name} = ${quoteConfValue(params[name] as string)}`);
  if (input.standby) {
    lines.push(
      '',
      '# standby',
      `primary_conninfo = ${quoteConfValue(primaryConninfo(input.standby))}`,
      // recovery_target_timeline defaults to 'latest': replicas follow a promotion.
    );
  }
  lines.push('');
  return lines.join('\n');
}

/**
 * Client authentication: the operator (and only users who can enter the server user's
 * private socket directory) connect over the Unix socket without a password; everything
 * over TCP needs a password (md5 accepts SCRAM-stored ones too; the server listens only on
 * the operator's `--bind` address, loopback by default); replication only for the
 * replication role. `userRules` are the Cluster's `spec.postgresql.pg_hba` lines.
 */
export function renderHba(replicationUser: string, userRules: readonly string[] = []): string {
  return [
    '# Written by canopy postgres-operator; edits are overwritten.',
    '# TYPE  DATABASE     USER                 ADDRESS          METHOD',
    'local   all          all                                   trust',
    `host    replication  ${replicationUser.padEnd(20)} all              md5`,
    ...(userRules.length > 0 ? ['# spec.postgresql.pg_hba', ...userRules] : []),
    'host    all          all                  all              md5',
    '',
  ].join('\n');
}
