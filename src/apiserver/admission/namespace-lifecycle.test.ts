import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apimachinery/meta.ts';
import { type TestEnv, testEnv } from '../authz/testing.ts';
import { NamespacePhases, namespaceLifecycle } from './namespace-lifecycle.ts';

const NAMESPACES = { group: '', version: 'v1', resource: 'namespaces' };
const CONFIGMAPS = { group: '', version: 'v1', resource: 'configmaps' };
const cm = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
});

let env: TestEnv;
let phases: NamespacePhases;

beforeEach(async () => {
  env = testEnv();
  phases = new NamespacePhases(env.store);
  env.admission.add(namespaceLifecycle(env.client, () => false, phases));
});

afterEach(async () => {
  phases.stop();
  await env.close();
});

const namespaces = (cluster = 'root') => env.client.resource(cluster, NAMESPACES);
const configMaps = (ns: string, cluster = 'root') => env.client.resource(cluster, CONFIGMAPS, ns);
const namespace = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name },
});

describe('NamespaceLifecycle with followed namespace phases', () => {
  it('admits creates in a namespace created just before, and refuses unknown ones', async () => {
    await phases.start();
    await namespaces().create(namespace('fresh'));
    // Known without a read: the follower saw the write before it was acknowledged.
    expect(phases.phase('root', 'fresh')).toBe('Active');
    await expect(configMaps('fresh').create(cm('a'))).resolves.toBeDefined();
    await expect(configMaps('nope').create(cm('a'))).rejects.toMatchObject({ code: 404 });
    // The same name in another logical cluster is another namespace.
    await expect(configMaps('fresh', 'other').create(cm('a'))).rejects.toMatchObject({
      code: 404,
      message: 'namespaces "fresh" not found',
    });
  });

  it('refuses creates as soon as the namespace is terminating, and 404s once it is gone', async () => {
    await phases.start();
    await namespaces().create(namespace('going'));
    await configMaps('going').create(cm('a'));
    await namespaces().delete('going');
    expect(phases.phase('root', 'going')).toBe('Terminating');
    await expect(configMaps('going').create(cm('b'))).rejects.toMatchObject({
      code: 403,
      message: expect.stringContaining('because it is being terminated'),
      status: {
        details: {
          causes: [
            {
              reason: 'NamespaceTerminating',
              message: 'namespace going is being terminated',
              field: 'metadata.namespace',
            },
          ],
        },
      },
    });
    // Finalize it by hand (no namespace controller here), as the controller would.
    await namespaces().modify('going', (ns) => ({ ...ns, spec: { finalizers: [] } }), 'finalize');
    await expect(namespaces().get('going')).rejects.toMatchObject({ code: 404 });
    await expect(configMaps('going').create(cm('c'))).rejects.toMatchObject({ code: 404 });
  });

  it('reads namespaces live until the follower has listed them', async () => {
    await namespaces().create(namespace('early'));
    await namespaces().delete('early');
    expect(phases.phase('root', 'early')).toBeUndefined();
    await expect(configMaps('early').create(cm('a'))).rejects.toMatchObject({ code: 403 });
    await expect(configMaps('nope').create(cm('a'))).rejects.toMatchObject({ code: 404 });
    await phases.start();
    expect(phases.phase('root', 'early')).toBe('Terminating');
  });
});
