import { describe, expect, it } from 'vitest';
import {
  conninfoValue,
  effectiveParameters,
  primaryConninfo,
  renderHba,
  renderPostgresqlConf,
  synchronousStandbyNames,
} from './config.ts';

const base = {
  instanceName: 'kcp-2',
  listenAddress: '127.0.0.1',
  port: 54321,
  socketDir: '/data/kcp-2/run',
  parameters: {},
};

describe('postgresql.conf', () => {
  it('writes the fixed settings and the defaults', () => {
    const conf = renderPostgresqlConf(base);
    expect(conf).toContain("listen_addresses = '127.0.0.1'");
    expect(conf).toContain('port = 54321');
    expect(conf).toContain("unix_socket_directories = '/data/kcp-2/run'");
    expect(conf).toContain("cluster_name = 'kcp-2'");
    expect(conf).toContain('hot_standby = on');
    expect(conf).toContain('wal_log_hints = on');
    expect(conf).toContain("wal_level = 'replica'");
    expect(conf).toContain("max_wal_senders = '10'");
    expect(conf).not.toContain('primary_conninfo');
  });

  it('lets spec.postgresql.parameters override defaults', () => {
    const conf = renderPostgresqlConf({
      ...base,
      parameters: { max_connections: '250', Work_Mem: '8MB' },
    });
    expect(conf).toContain("max_connections = '250'");
    expect(conf).not.toContain("max_connections = '100'");
    expect(conf).toContain("work_mem = '8MB'");
  });

  it('merges shared_preload_libraries from both places', () => {
    const p = effectiveParameters({
      parameters: { shared_preload_libraries: 'pg_stat_statements, auto_explain' },
      sharedPreloadLibraries: ['pg_stat_statements', 'pgaudit'],
    });
    expect(p.shared_preload_libraries).toBe('pg_stat_statements,pgaudit,auto_explain');
  });

  it('adds the standby connection for replicas', () => {
    const conf = renderPostgresqlConf({
      ...base,
      standby: {
        primaryHost: '127.0.0.1',
        primaryPort: 40000,
        user: 'streaming_replica',
        password: "pa'ss",
        applicationName: 'kcp-2',
      },
    });
    expect(conf).toContain(
      "primary_conninfo = 'host=''127.0.0.1'' port=40000 user=''streaming_replica'' password=''pa\\\\''ss'' application_name=''kcp-2'' sslmode=disable connect_timeout=5'",
    );
  });

  it('escapes conninfo values', () => {
    expect(conninfoValue("a'b\\c")).toBe("'a\\'b\\\\c'");
    expect(
      primaryConninfo({
        primaryHost: 'h',
        primaryPort: 1,
        user: 'u',
        password: 'p',
        applicationName: 'a',
      }),
    ).toBe(
      "host='h' port=1 user='u' password='p' application_name='a' sslmode=disable connect_timeout=5",
    );
  });
});

describe('pg_hba.conf', () => {
  it('trusts the private socket, needs passwords over TCP, replication only for the replication role', () => {
    const hba = renderHba('streaming_replica', ['host app app 10.0.0.0/8 scram-sha-256']);
    const rules = hba.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(rules[0]).toMatch(/^local\s+all\s+all\s+trust$/);
    expect(rules[1]).toMatch(/^host\s+replication\s+streaming_replica\s+all\s+md5$/);
    expect(rules[2]).toBe('host app app 10.0.0.0/8 scram-sha-256');
    expect(rules[3]).toMatch(/^host\s+all\s+all\s+all\s+md5$/);
    expect(hba).not.toMatch(/host\s+\S+\s+\S+\s+\S+\s+trust/);
  });
});

describe('synchronous standbys', () => {
  it('names the standbys a primary waits for', () => {
    expect(synchronousStandbyNames('any', 1, ['db-2', 'db-3'])).toBe('ANY 1 ("db-2","db-3")');
    expect(synchronousStandbyNames('first', 2, ['ext"1', 'db-2'])).toBe(
      'FIRST 2 ("ext""1","db-2")',
    );
    const conf = renderPostgresqlConf({
      ...base,
      synchronous: { method: 'any', count: 1, names: ['db-2'] },
    });
    expect(conf).toContain(`synchronous_standby_names = 'ANY 1 ("db-2")'`);
  });

  it('writes none for asynchronous replication', () => {
    expect(renderPostgresqlConf(base)).not.toContain('synchronous_standby_names');
    expect(
      renderPostgresqlConf({ ...base, synchronous: { method: 'any', count: 0, names: ['db-2'] } }),
    ).not.toContain('synchronous_standby_names');
  });
});
