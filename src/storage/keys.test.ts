import { describe, expect, it } from 'vitest';
import { StoreError } from './errors.ts';
import { clusterPrefix, objectKey, parseObjectKey, prefixEnd, resourcePrefix } from './keys.ts';

describe('storage keys', () => {
  it('orders group and resource before the cluster, with placeholders for none', () => {
    expect(
      objectKey({ group: '', resource: 'secrets', cluster: 'root', namespace: 'ns', name: 'a' }),
    ).toBe('/core/secrets/-/root/ns/a');
    expect(
      objectKey({
        group: 'postgresql.cnpg.io',
        resource: 'clusters',
        identity: 'abc123',
        cluster: '1yaxsslokc5aoqme',
        name: 'kcp',
      }),
    ).toBe('/postgresql.cnpg.io/clusters/abc123/1yaxsslokc5aoqme/-/kcp');
  });

  it('gives prefixes for all clusters, one cluster and one namespace', () => {
    const r = { group: 'apps', resource: 'deployments' };
    expect(resourcePrefix(r)).toBe('/apps/deployments/-/');
    expect(clusterPrefix({ ...r, cluster: 'root' })).toBe('/apps/deployments/-/root/');
    expect(clusterPrefix({ ...r, cluster: 'root', namespace: 'x' })).toBe(
      '/apps/deployments/-/root/x/',
    );
    const key = objectKey({ ...r, cluster: 'root', namespace: 'x', name: 'd' });
    expect(key.startsWith(clusterPrefix({ ...r, cluster: 'root' }))).toBe(true);
    expect(key.startsWith(clusterPrefix({ ...r, cluster: 'roo' }))).toBe(false);
  });

  it('parses what it builds', () => {
    const parts = {
      group: 'g.io',
      resource: 'things',
      identity: 'h',
      cluster: 'system:admin',
      namespace: 'n',
      name: 'x',
    };
    expect(parseObjectKey(objectKey(parts))).toEqual(parts);
    expect(parseObjectKey('/core/namespaces/-/root/-/default')).toEqual({
      group: '',
      resource: 'namespaces',
      cluster: 'root',
      name: 'default',
    });
  });

  it('rejects segments that would break the layout', () => {
    const base = { group: '', resource: 'secrets', cluster: 'root', namespace: 'ns' };
    expect(() => objectKey({ ...base, name: 'a/b' })).toThrow(StoreError);
    expect(() => objectKey({ ...base, name: '' })).toThrow(StoreError);
    expect(() => objectKey({ ...base, cluster: 'a b', name: 'x' })).toThrow(StoreError);
    expect(() => parseObjectKey('/too/short')).toThrow(StoreError);
  });

  it('computes the end of a prefix range', () => {
    expect(prefixEnd('/a/')).toBe('/a0');
    expect('/a/zzz' < prefixEnd('/a/')).toBe(true);
    expect('/a0' < prefixEnd('/a/')).toBe(false);
  });
});
