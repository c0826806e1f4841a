import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../logging/logger.ts';
import { eventually, type TestEnv, testEnv } from '../../authz/testing.ts';
import type { PerNamespaceObjectController } from '../per-namespace-object.ts';
import { ROOT_CA_CONFIGMAP, rootCaPublisher } from './root-ca-publisher.ts';

const CONFIGMAPS = { group: '', version: 'v1', resource: 'configmaps' };
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const quiet = silentLogger();

describe('root CA publisher', () => {
  let env: TestEnv;
  let controller: PerNamespaceObjectController;

  beforeEach(async () => {
    env = testEnv();
    await env.client
      .resource('root', { group: '', version: 'v1', resource: 'namespaces' })
      .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    controller = rootCaPublisher(env.client, env.store, CA, quiet);
    await controller.start();
  });

  afterEach(async () => {
    controller.stop();
    await env.close();
  });

  const configMaps = () => env.client.resource('root', CONFIGMAPS, 'team');
  const caOf = async () => {
    const cm = await configMaps().find(ROOT_CA_CONFIGMAP);
    return (cm?.data as Record<string, string> | undefined)?.['ca.crt'];
  };

  it('publishes the CA, puts it back when changed and makes it again when deleted', async () => {
    await eventually(async () => (await caOf()) === CA);
    await configMaps().patch(ROOT_CA_CONFIGMAP, { data: { 'ca.crt': 'tampered' } });
    await eventually(async () => (await caOf()) === CA);
    await configMaps().delete(ROOT_CA_CONFIGMAP);
    await eventually(async () => (await caOf()) === CA);
    const cm = await configMaps().get(ROOT_CA_CONFIGMAP);
    expect(Object.keys(cm.data ?? {})).toEqual(['ca.crt']);
    expect(cm.metadata.annotations?.['kubernetes.io/description']).toContain('CA bundle');
  });
});
