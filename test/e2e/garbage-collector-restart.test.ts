/**
 * Garbage collection survives a restart: an owner removed while the server was down (here,
 * straight from the store) has its dependents collected when the server comes back.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { objectKey } from '../../src/storage/keys.ts';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { startCanopy } from './harness/canopy-process.ts';
import { kubectl } from './harness/kubectl.ts';
import { until } from './harness/wait.ts';

describe('garbage collection across a restart', () => {
  it('collects dependents of an owner that vanished while the server was down', async () => {
    let server = await startCanopy({ plain: true });
    const dataDir = server.dataDir;
    try {
      const k = kubectl('1.30', server.kubeconfig, dataDir);
      await k.ok(['create', 'configmap', 'owner']);
      const uid = await k.ok(['get', 'configmap', 'owner', '-o', 'jsonpath={.metadata.uid}']);
      await k.ok(['create', '-f', '-'], {
        input: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dependent\n  namespace: default\n  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner, uid: ${uid}}]\n`,
      });
      await server.stop();

      const store = SqliteStore.open(join(dataDir, 'store.db'), { compaction: false });
      const key = objectKey({
        group: '',
        resource: 'configmaps',
        cluster: 'root',
        namespace: 'default',
        name: 'owner',
      });
      const kv = await store.get(key);
      await store.delete(key, kv?.revision ?? 0);
      await store.close();

      server = await startCanopy({ plain: true, dataDir });
      const k2 = kubectl('1.30', server.kubeconfig, dataDir);
      await until(
        'the dependent to be collected after the restart',
        async () => (await k2(['get', 'configmap', 'dependent'])).code !== 0,
        20_000,
        200,
      );
      expect((await k2(['get', 'configmap', 'dependent'])).stderr).toContain('not found');
    } finally {
      await server.stop();
      server.cleanup();
    }
  });
});
