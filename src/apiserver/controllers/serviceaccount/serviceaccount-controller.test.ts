import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../logging/logger.ts';
import { objectKey } from '../../../storage/keys.ts';
import { eventually, type TestEnv, testEnv } from '../../authz/testing.ts';
import type { PerNamespaceObjectController } from '../per-namespace-object.ts';
import { serviceAccountController } from './serviceaccount-controller.ts';

const NAMESPACES = { group: '', version: 'v1', resource: 'namespaces' };
const SERVICE_ACCOUNTS = { group: '', version: 'v1', resource: 'serviceaccounts' };
const quiet = silentLogger();

const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

describe('ServiceAccountController', () => {
  let env: TestEnv;
  let controller: PerNamespaceObjectController;

  beforeEach(async () => {
    env = testEnv();
    await env.client.resource('root', NAMESPACES).create(namespace('before'));
    controller = serviceAccountController(env.client, env.store, quiet);
    await controller.start();
  });

  afterEach(async () => {
    controller.stop();
    await env.close();
  });

  const accounts = (cluster: string, ns: string) =>
    env.client.resource(cluster, SERVICE_ACCOUNTS, ns);

  it('gives every namespace, old and new, in every cluster, a default account', async () => {
    await env.client.resource('other', NAMESPACES).create(namespace('after'));
    await eventually(() => accounts('root', 'before').find('default'));
    await eventually(() => accounts('other', 'after').find('default'));
    expect((await accounts('root', 'before').list()).items).toHaveLength(1);
  });

  it('makes it again when deleted, but not in a terminating namespace', async () => {
    const sa = await eventually(() => accounts('root', 'before').find('default'));
    await accounts('root', 'before').delete('default');
    const again = await eventually(() => accounts('root', 'before').find('default'));
    expect(again.metadata.uid).not.toBe(sa.metadata.uid);

    await env.client
      .resource('root', NAMESPACES)
      .create({ ...namespace('held'), spec: { finalizers: ['kubernetes'] } });
    await eventually(() => accounts('root', 'held').find('default'));
    await env.client.resource('root', NAMESPACES).delete('held');
    await accounts('root', 'held').delete('default');
    // Whether or not the deletion has reached the controller yet, a look at the namespace
    // now must leave it without an account.
    controller.queue.add(
      objectKey({ group: '', resource: 'namespaces', cluster: 'root', name: 'held' }),
    );
    await controller.queue.idle();
    expect(await accounts('root', 'held').find('default')).toBeUndefined();
  });
});
