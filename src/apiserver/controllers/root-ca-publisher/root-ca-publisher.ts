/**
 * The root CA publisher: every namespace has a ConfigMap `kube-root-ca.crt` whose `ca.crt`
 * is the CA that signed the server's certificate, so that anything in the namespace can
 * verify the server. Made again when deleted, and put right when its CA is changed.
 */
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import type { Logger } from '../../../logging/logger.ts';
import type { Store } from '../../../storage/store.ts';
import type { Client } from '../../client.ts';
import { PerNamespaceObjectController } from '../per-namespace-object.ts';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
const DESCRIPTION =
  "The CA bundle of this API server's serving certificate, for clients in this namespace to verify it.";

export function rootCaPublisher(
  client: Client,
  store: Store,
  caPem: string,
  logger: Logger,
): PerNamespaceObjectController {
  const data = { 'ca.crt': caPem };
  return new PerNamespaceObjectController(
    client,
    store,
    {
      controller: 'root-ca-publisher',
      resource: { group: '', version: 'v1', resource: 'configmaps' },
      name: ROOT_CA_CONFIGMAP,
      desired: (namespace) => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: ROOT_CA_CONFIGMAP,
          namespace,
          annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION },
        },
        data,
      }),
      repair: (existing: KubeObject) =>
        isDeepStrictEqual(existing.data, data) ? undefined : { ...existing, data },
    },
    logger,
  );
}
