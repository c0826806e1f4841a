/** The controllers every Canopy API server runs, started and stopped together. */

import type { Logger } from '../../logging/logger.ts';
import type { Store } from '../../storage/store.ts';
import type { Client } from '../client.ts';
import type { CrdSource } from '../registry/crd-source.ts';
import type { TypeRegistry } from '../registry/type-registry.ts';
import { CrdController } from './crd/crd-controller.ts';
import { EndpointsController } from './endpoints/endpoints-controller.ts';
import { GarbageCollector } from './garbage-collector/garbage-collector.ts';
import { NamespaceController } from './namespace/namespace-controller.ts';
import { rootCaPublisher } from './root-ca-publisher/root-ca-publisher.ts';
import { serviceAccountController } from './serviceaccount/serviceaccount-controller.ts';

export interface ControllerDeps {
  readonly client: Client;
  readonly store: Store;
  readonly registry: TypeRegistry;
  readonly crds: CrdSource;
  readonly logger: Logger;
  /** The CA of the serving certificate, published in every namespace. */
  readonly caPem: string;
  /** The plain server also runs the controllers of its workload APIs. */
  readonly plain: boolean;
}

export interface Controllers {
  stop(): Promise<void>;
}

export async function startBuiltinControllers(deps: ControllerDeps): Promise<Controllers> {
  const crd = new CrdController(deps.client, deps.crds, deps.logger.child({ controller: 'crd' }));
  const namespace = new NamespaceController(
    deps.client,
    deps.store,
    deps.registry,
    deps.logger.child({ controller: 'namespace' }),
  );
  const gc = new GarbageCollector(
    deps.store,
    deps.client,
    deps.registry,
    deps.logger.child({ controller: 'garbage-collector' }),
  );
  const perNamespace = [
    serviceAccountController(
      deps.client,
      deps.store,
      deps.logger.child({ controller: 'serviceaccount' }),
    ),
    rootCaPublisher(
      deps.client,
      deps.store,
      deps.caPem,
      deps.logger.child({ controller: 'root-ca-publisher' }),
    ),
  ];
  const endpoints = deps.plain
    ? new EndpointsController(
        deps.client,
        deps.store,
        deps.logger.child({ controller: 'endpoints' }),
      )
    : undefined;
  await endpoints?.start();
  await namespace.start();
  await gc.start();
  for (const c of perNamespace) await c.start();
  return {
    async stop() {
      crd.stop();
      endpoints?.stop();
      namespace.stop();
      gc.stop();
      for (const c of perNamespace) c.stop();
    },
  };
}
