import { describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../../types.ts';
import { ignoredFields, resolveSpec } from './spec.ts';

describe('spec resolution', () => {
  it('applies CloudNativePG defaults', () => {
    const { spec, errors } = resolveSpec({});
    expect(errors).toEqual([]);
    expect(spec).toMatchObject({
      instances: 1,
      database: 'app',
      owner: 'app',
      enableSuperuserAccess: false,
      primaryUpdateStrategy: 'unsupervised',
      primaryUpdateMethod: 'restart',
      failoverDelaySeconds: 0,
      encoding: 'UTF8',
      localeCollate: 'C',
      localeCType: 'C',
    });
    expect(spec.superuserSecret).toBeUndefined();
    expect(spec.ownerSecret).toBeUndefined();
  });

  it('reads the workshop Cluster', () => {
    const { spec, errors, ignored } = resolveSpec({
      instances: 1,
      bootstrap: { initdb: { database: 'app', owner: 'app', secret: { name: 'kcp-postgres' } } },
      enableSuperuserAccess: true,
      superuserSecret: { name: 'kcp-superuser' },
      storage: { size: '1Gi' },
    });
    expect(errors).toEqual([]);
    expect(ignored).toEqual([]);
    expect(spec).toMatchObject({
      ownerSecret: 'kcp-postgres',
      superuserSecret: 'kcp-superuser',
      enableSuperuserAccess: true,
      storageSize: '1Gi',
    });
  });

  it('defaults the owner to the database name', () => {
    expect(resolveSpec({ bootstrap: { initdb: { database: 'shop' } } }).spec.owner).toBe('shop');
  });

  it('reports spec problems the schema cannot express', () => {
    expect(resolveSpec({ bootstrap: { initdb: { database: 'template1' } } }).errors[0]).toMatch(
      /cannot be template1/,
    );
    expect(resolveSpec({ bootstrap: { initdb: { owner: 'postgres' } } }).errors[0]).toMatch(
      /owner cannot be postgres/,
    );
    expect(resolveSpec({ postgresql: { parameters: { port: '1' } } }).errors[0]).toMatch(
      /managed by the operator/,
    );
    expect(resolveSpec({ instances: 0 }).errors[0]).toMatch(/at least 1/);
  });

  it('refuses what would reach the host the instances share: commands, paths, files', () => {
    const errors = (postgresql: NonNullable<ClusterSpec['postgresql']>) =>
      resolveSpec({ postgresql }).errors;
    expect(errors({ parameters: { archive_mode: 'on', archive_command: 'sh -c id' } })).toEqual([
      'spec.postgresql.parameters: parameter archive_mode is managed by the operator',
      'spec.postgresql.parameters: parameter archive_command is managed by the operator',
    ]);
    expect(errors({ parameters: { ssl_passphrase_command: 'id' } })).toEqual([
      'spec.postgresql.parameters: parameter ssl_passphrase_command is managed by the operator',
    ]);
    expect(
      errors({ parameters: { session_preload_libraries: 'auto_explain, /tmp/x.so' } }),
    ).toEqual([
      'spec.postgresql.parameters: parameter session_preload_libraries names /tmp/x.so: libraries load by name only, not by path',
    ]);
    expect(errors({ shared_preload_libraries: ['pg_stat_statements', '../../x'] })).toEqual([
      'spec.postgresql.shared_preload_libraries: ../../x: libraries load by name only, not by path',
    ]);
    expect(
      errors({
        pg_hba: [
          'include_dir /etc',
          'host all @/etc/passwd all md5',
          'host all app 10.0.0.0/8 scram-sha-256',
        ],
      }),
    ).toEqual([
      'spec.postgresql.pg_hba: a rule may not include or refer to a file',
      'spec.postgresql.pg_hba: a rule may not include or refer to a file',
    ]);
    expect(
      errors({
        parameters: { shared_preload_libraries: 'pg_stat_statements', work_mem: '8MB' },
        shared_preload_libraries: ['auto_explain'],
      }),
    ).toEqual([]);
  });
});

describe('ignored fields', () => {
  it('lists set CloudNativePG fields the local runtime does not honour', () => {
    expect(
      ignoredFields({
        instances: 3,
        storage: { size: '1Gi', storageClass: 'fast' },
        affinity: { enablePodAntiAffinity: true },
        backup: { barmanObjectStore: {} },
        resources: {},
        monitoring: { enablePodMonitor: true },
        bootstrap: { initdb: { database: 'app', import: { type: 'microservice' } } },
        postgresql: { parameters: { work_mem: '4MB' }, pg_ident: ['map u u'] },
        logLevel: 'info',
      }),
    ).toEqual([
      "affinity (instances are processes on the service's one host, not scheduled pods)",
      'backup (nothing backs the cluster up: no base backups, no WAL archive)',
      'bootstrap.initdb.import',
      'monitoring (no exporter or PodMonitor; the operator has its own /metrics)',
      'postgresql.pg_ident',
      "storage.storageClass (data lives in the operator's data directory, not on volumes)",
    ]);
  });

  it('leaves imageName to the image check (its major version may be honoured)', () => {
    expect(ignoredFields({ imageName: 'ghcr.io/cloudnative-pg/postgresql:16.4' })).toEqual([]);
  });
});

describe('synchronous replication', () => {
  it('takes minSyncReplicas and maxSyncReplicas as CloudNativePG does', () => {
    const ok = resolveSpec({ instances: 3, minSyncReplicas: 1, maxSyncReplicas: 2 });
    expect(ok.errors).toEqual([]);
    expect(ok.ignored).toEqual([]);
    expect(ok.spec.synchronous).toEqual({
      method: 'any',
      min: 1,
      max: 2,
      namesPre: [],
      namesPost: [],
    });
    expect(resolveSpec({ instances: 2 }).spec.synchronous).toBeUndefined();
  });

  it('takes postgresql.synchronous: a fixed number when required, up to it when preferred', () => {
    const required = resolveSpec({
      instances: 3,
      postgresql: { synchronous: { method: 'first', number: 2, standbyNamesPost: ['dr'] } },
    });
    expect(required.errors).toEqual([]);
    expect(required.ignored).toEqual([]);
    expect(required.spec.synchronous).toEqual({
      method: 'first',
      min: 2,
      max: 2,
      namesPre: [],
      namesPost: ['dr'],
    });
    const preferred = resolveSpec({
      instances: 3,
      postgresql: {
        synchronous: {
          method: 'any',
          number: 2,
          dataDurability: 'preferred',
          maxStandbyNamesFromCluster: 5,
        },
      },
    });
    expect(preferred.errors).toEqual([]);
    expect(preferred.spec.synchronous).toEqual({
      method: 'any',
      min: 0,
      max: 2,
      maxFromCluster: 2,
      namesPre: [],
      namesPost: [],
    });
  });

  it.each([
    [
      'both forms',
      {
        instances: 3,
        minSyncReplicas: 1,
        maxSyncReplicas: 1,
        postgresql: { synchronous: { method: 'any', number: 1 } },
      },
      'spec.postgresql.synchronous cannot be used with spec.minSyncReplicas or spec.maxSyncReplicas: choose one form',
    ],
    [
      'no number',
      { instances: 3, postgresql: { synchronous: { method: 'any', number: 0 } } },
      'spec.postgresql.synchronous.number must be greater than zero',
    ],
    [
      'more than it can name',
      { instances: 2, postgresql: { synchronous: { method: 'any', number: 2 } } },
      "spec.postgresql.synchronous.number (2) must not exceed the standbys it can name: 1 of the Cluster's own instances plus standbyNamesPre and standbyNamesPost",
    ],
    [
      'a cap on own names',
      {
        instances: 3,
        postgresql: { synchronous: { method: 'any', number: 2, maxStandbyNamesFromCluster: 1 } },
      },
      "spec.postgresql.synchronous.number (2) must not exceed the standbys it can name: 1 of the Cluster's own instances plus standbyNamesPre and standbyNamesPost",
    ],
    [
      'preferred with extra names',
      {
        instances: 3,
        postgresql: {
          synchronous: {
            method: 'any',
            number: 1,
            dataDurability: 'preferred',
            standbyNamesPre: ['x'],
          },
        },
      },
      "spec.postgresql.synchronous: dataDurability set to 'preferred' requires empty 'standbyNamesPre' and empty 'standbyNamesPost'",
    ],
    [
      'a name with a line break',
      {
        instances: 2,
        postgresql: { synchronous: { method: 'any', number: 1, standbyNamesPre: ['a\nb'] } },
      },
      'spec.postgresql.synchronous: "a\\nb" is not a valid application name',
    ],
  ] as const)('refuses postgresql.synchronous with %s', (_, spec, error) => {
    expect(resolveSpec(spec as ClusterSpec).errors).toContain(error);
  });

  it('refuses more synchronous replicas than there are replicas, and min above max', () => {
    expect(resolveSpec({ instances: 1, minSyncReplicas: 1, maxSyncReplicas: 1 }).errors).toContain(
      'spec.maxSyncReplicas must be lower than the number of instances',
    );
    expect(resolveSpec({ instances: 3, minSyncReplicas: 2, maxSyncReplicas: 1 }).errors).toContain(
      'spec.minSyncReplicas cannot be greater than spec.maxSyncReplicas',
    );
  });
});
