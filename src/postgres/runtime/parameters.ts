/**
 * PostgreSQL parameters: which ones the operator owns (a user may not set them, like
 * CloudNativePG's fixed parameters), which ones need a server restart to change (context
 * `postmaster`) and which a reload (`pg_reload_conf()`) applies. The static list is the
 * plan; after a reload the server's own `pending_restart` flags are the final word.
 */

/**
 * Parameters the operator sets itself, or that no tenant may set:
 * `spec.postgresql.parameters` may not name them. CloudNativePG's fixed and blocked
 * parameters (but `wal_level` and `shared_preload_libraries`, which are checked instead),
 * and, because every instance runs on the operator's host as the same operating-system
 * user rather than in a pod of its own, whatever runs a command or loads code from a path
 * there: `archive_library`, `dynamic_library_path`, `krb_server_keyfile`. A tenant able to
 * set `archive_command` or `ssl_passphrase_command` would run shell commands on the host,
 * next to every other tenant's data.
 */
export const FIXED_PARAMETERS: readonly string[] = [
  'allow_system_table_mods',
  'archive_cleanup_command',
  'archive_command',
  'archive_library',
  'archive_mode',
  'bonjour',
  'bonjour_name',
  'cluster_name',
  'config_file',
  'data_directory',
  'data_sync_retry',
  'dynamic_library_path',
  'event_source',
  'external_pid_file',
  'full_page_writes',
  'hba_file',
  'hot_standby',
  'ident_file',
  'jit_provider',
  'krb_server_keyfile',
  'listen_addresses',
  'log_destination',
  'log_directory',
  'log_file_mode',
  'log_filename',
  'log_rotation_age',
  'log_rotation_size',
  'log_truncate_on_rotation',
  'logging_collector',
  'pg_failover_slots.primary_dsn',
  'port',
  'primary_conninfo',
  'primary_slot_name',
  'promote_trigger_file',
  'recovery_end_command',
  'recovery_min_apply_delay',
  'recovery_target',
  'recovery_target_action',
  'recovery_target_inclusive',
  'recovery_target_lsn',
  'recovery_target_name',
  'recovery_target_time',
  'recovery_target_timeline',
  'recovery_target_xid',
  'restart_after_crash',
  'restore_command',
  'ssl',
  'ssl_ca_file',
  'ssl_cert_file',
  'ssl_ciphers',
  'ssl_crl_file',
  'ssl_dh_params_file',
  'ssl_ecdh_curve',
  'ssl_key_file',
  'ssl_max_protocol_version',
  'ssl_min_protocol_version',
  'ssl_passphrase_command',
  'ssl_passphrase_command_supports_reload',
  'ssl_prefer_server_ciphers',
  'stats_temp_directory',
  'synchronous_standby_names',
  'syslog_facility',
  'syslog_ident',
  'syslog_sequence_numbers',
  'syslog_split_messages',
  'unix_socket_directories',
  'unix_socket_group',
  'unix_socket_permissions',
  'wal_log_hints',
];

/**
 * Parameters naming libraries to load: only by name, from PostgreSQL's own library
 * directory (`dynamic_library_path` is fixed), never from a path on the host.
 */
export const LIBRARY_PARAMETERS: readonly string[] = [
  'shared_preload_libraries',
  'local_preload_libraries',
  'session_preload_libraries',
];

/** Whether a library name loads from PostgreSQL's library directory, not from a path. */
export function isLibraryName(name: string): boolean {
  return /^[A-Za-z0-9_.-]+$/.test(name) && !name.includes('..');
}

/** Parameters of context `postmaster` (PostgreSQL 13–17): changing them needs a restart. */
export const RESTART_PARAMETERS: ReadonlySet<string> = new Set([
  'archive_mode',
  'autovacuum_max_workers',
  'autovacuum_worker_slots',
  'bonjour',
  'bonjour_name',
  'cluster_name',
  'data_directory',
  'data_sync_retry',
  'dynamic_shared_memory_type',
  'event_source',
  'hba_file',
  'hot_standby',
  'huge_page_size',
  'huge_pages',
  'ident_file',
  'io_max_concurrency',
  'io_method',
  'io_workers',
  'jit_provider',
  'listen_addresses',
  'logging_collector',
  'max_connections',
  'max_files_per_process',
  'max_locks_per_transaction',
  'max_logical_replication_workers',
  'max_notify_queue_pages',
  'max_pred_locks_per_transaction',
  'max_prepared_transactions',
  'max_replication_slots',
  'max_wal_senders',
  'max_worker_processes',
  'min_dynamic_shared_memory',
  'old_snapshot_threshold',
  'port',
  'recovery_target',
  'recovery_target_action',
  'recovery_target_inclusive',
  'recovery_target_lsn',
  'recovery_target_name',
  'recovery_target_time',
  'recovery_target_timeline',
  'recovery_target_xid',
  'reserved_connections',
  'shared_buffers',
  'shared_memory_type',
  'shared_preload_libraries',
  'superuser_reserved_connections',
  'summarize_wal',
  'track_activity_query_size',
  'track_commit_timestamp',
  'unix_socket_directories',
  'unix_socket_group',
  'unix_socket_permissions',
  'wal_buffers',
  'wal_decode_buffer_size',
  'wal_level',
  'wal_log_hints',
]);

export function isRestartParameter(name: string): boolean {
  return RESTART_PARAMETERS.has(name.toLowerCase());
}

export interface ParameterChange {
  /** Names whose new value a reload applies. */
  readonly reload: string[];
  /** Names that need a restart. */
  readonly restart: string[];
}

/** Which parameters differ between two sets, split by how they are applied. */
export function classifyParameterChange(
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>,
): ParameterChange {
  const reload: string[] = [];
  const restart: string[] = [];
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const name of [...names].sort()) {
    if (before[name] === after[name]) continue;
    (isRestartParameter(name) ? restart : reload).push(name);
  }
  return { reload, restart };
}

/** Problems with user parameters that the CRD schema cannot express. */
export function validateParameters(
  params: Readonly<Record<string, string>>,
  instances: number,
): string[] {
  const errors: string[] = [];
  const fixed = new Set(FIXED_PARAMETERS);
  for (const [name, value] of Object.entries(params)) {
    const lower = name.toLowerCase();
    if (!/^[a-z_][a-z0-9_.]*$/.test(lower)) errors.push(`invalid parameter name ${name}`);
    if (fixed.has(lower)) errors.push(`parameter ${name} is managed by the operator`);
    if (/[\n\r\0]/.test(value)) errors.push(`parameter ${name} has a line break in its value`);
    if (LIBRARY_PARAMETERS.includes(lower)) {
      for (const lib of value.split(',').map((v) => v.trim().replace(/^"(.*)"$/, '$1'))) {
        if (lib && !isLibraryName(lib))
          errors.push(`parameter ${name} names ${lib}: libraries load by name only, not by path`);
      }
    }
  }
  const walLevel = params.wal_level?.toLowerCase();
  if (walLevel === 'minimal' && instances > 1)
    errors.push('wal_level minimal cannot stream to replicas; use replica or logical');
  const senders = params.max_wal_senders;
  if (senders !== undefined && Number(senders) < instances)
    errors.push(`max_wal_senders must be at least the number of instances (${instances})`);
  return errors;
}

/** A value written to postgresql.conf: quoted, with quotes and backslashes escaped. */
export function quoteConfValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}
