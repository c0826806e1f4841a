import { describe, expect, it } from 'vitest';
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
        postgresql: { parameters: { work_mem: '4MB' }, synchronous: { method: 'any' } },
        logLevel: 'info',
      }),
    ).toEqual([
      'affinity',
      'backup',
      'bootstrap.initdb.import',
      'monitoring',
      'postgresql.synchronous',
      'storage.storageClass',
    ]);
  });
});
