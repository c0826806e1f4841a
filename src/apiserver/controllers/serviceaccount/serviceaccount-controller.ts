/**
 * The service account controller: every namespace has a ServiceAccount `default`, made
 * again when deleted.
 */

import type { Logger } from '../../../logging/logger.ts';
import type { Store } from '../../../storage/store.ts';
import type { Client } from '../../client.ts';
import { PerNamespaceObjectController } from '../per-namespace-object.ts';

export const DEFAULT_SERVICE_ACCOUNT = 'default';

export function serviceAccountController(
  client: Client,
  store: Store,
  logger: Logger,
): PerNamespaceObjectController {
  return new PerNamespaceObjectController(
    client,
    store,
    {
      controller: 'serviceaccount',
      resource: { group: '', version: 'v1', resource: 'serviceaccounts' },
      name: DEFAULT_SERVICE_ACCOUNT,
      desired: (namespace) => ({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace },
      }),
    },
    logger,
  );
}
