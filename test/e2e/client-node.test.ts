/**
 * `@kubernetes/client-node` against `canopy start --plain`: typed CRUD, list and watch,
 * and an informer whose cache stays exact across a server restart (it must relist or
 * resume and end up with exactly the objects the server holds).
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { ROOT_CA_CONFIGMAP } from './harness/system-objects.ts';
import { eventually } from './harness/wait.ts';

describe('@kubernetes/client-node against canopy start --plain', () => {
  let server: CanopyProcess;
  let config: k8s.KubeConfig;
  let core: k8s.CoreV1Api;

  beforeAll(async () => {
    server = await startCanopy({ plain: true });
    config = new k8s.KubeConfig();
    config.loadFromFile(server.kubeconfig);
    core = config.makeApiClient(k8s.CoreV1Api);
  });

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
  });

  it('creates, reads, replaces and deletes with the typed client', async () => {
    await core.createNamespace({ body: { metadata: { name: 'typed' } } });
    const created = await core.createNamespacedConfigMap({
      namespace: 'typed',
      body: { metadata: { name: 'cm', labels: { app: 'a' } }, data: { k: 'v' } },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    const read = await core.readNamespacedConfigMap({ name: 'cm', namespace: 'typed' });
    expect(read.data).toEqual({ k: 'v' });
    read.data = { k: 'w' };
    const replaced = await core.replaceNamespacedConfigMap({
      name: 'cm',
      namespace: 'typed',
      body: read,
    });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(
      Number(created.metadata?.resourceVersion),
    );
    // A stale resourceVersion is a 409 Conflict.
    const stale = await core
      .replaceNamespacedConfigMap({ name: 'cm', namespace: 'typed', body: read })
      .then(
        () => undefined,
        (err: k8s.ApiException<string>) => err,
      );
    expect(stale?.code).toBe(409);
    expect(JSON.parse(stale?.body ?? '{}').message).toContain('the object has been modified');
    const list = await core.listNamespacedConfigMap({ namespace: 'typed', labelSelector: 'app=a' });
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['cm']);
    await core.deleteNamespacedConfigMap({ name: 'cm', namespace: 'typed' });
    const missing = await core.readNamespacedConfigMap({ name: 'cm', namespace: 'typed' }).then(
      () => undefined,
      (err: k8s.ApiException<string>) => err,
    );
    expect(missing?.code).toBe(404);
  });

  it('watches changes as they happen', async () => {
    await core.createNamespace({ body: { metadata: { name: 'watched' } } });
    const seen: string[] = [];
    const watch = new k8s.Watch(config);
    const req = await watch.watch(
      '/api/v1/namespaces/watched/configmaps',
      {},
      (type: string, obj: k8s.V1ConfigMap) => {
        if (obj.metadata?.name !== ROOT_CA_CONFIGMAP) seen.push(`${type} ${obj.metadata?.name}`);
      },
      () => {},
    );
    await core.createNamespacedConfigMap({
      namespace: 'watched',
      body: { metadata: { name: 'a' } },
    });
    await core.patchNamespacedConfigMap(
      { name: 'a', namespace: 'watched', body: { data: { x: '1' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedConfigMap({ name: 'a', namespace: 'watched' });
    await eventually('three events', () =>
      expect(seen).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a']),
    );
    req.abort();
  });

  it('keeps an informer cache exact across a server restart', async () => {
    await core.createNamespace({ body: { metadata: { name: 'informed' } } });
    for (const n of ['one', 'two']) {
      await core.createNamespacedConfigMap({
        namespace: 'informed',
        body: { metadata: { name: n } },
      });
    }
    const informer = k8s.makeInformer(config, '/api/v1/namespaces/informed/configmaps', () =>
      core.listNamespacedConfigMap({ namespace: 'informed' }),
    );
    informer.on('error', () => {
      // The restart breaks the watch; the informer retries on its own after this.
      setTimeout(() => void informer.start(), 500);
    });
    await informer.start();
    const names = () =>
      informer
        .list('informed')
        .map((c) => c.metadata?.name)
        .filter((name) => name !== ROOT_CA_CONFIGMAP)
        .sort();
    await eventually('initial cache', () => expect(names()).toEqual(['one', 'two']));

    // Restart the server on the same data directory and port; change things meanwhile.
    const port = new URL(server.url).port;
    const dataDir = server.dataDir;
    await server.stop();
    server = await startCanopy({ plain: true, dataDir, args: ['--port', port] });
    await core.createNamespacedConfigMap({
      namespace: 'informed',
      body: { metadata: { name: 'three' } },
    });
    await core.deleteNamespacedConfigMap({ name: 'one', namespace: 'informed' });

    await eventually('cache after restart', () => expect(names()).toEqual(['three', 'two']));
    await informer.stop();
  });
});
