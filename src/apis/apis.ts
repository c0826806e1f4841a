/**
 * API exports and bindings for an API server: the index of exports, schemas and
 * bindings (which also serves bound resources), their admission, the export, binding,
 * endpoint-slice and permission-claim label controllers. Plain mode runs none. The APIExport
 * virtual workspace (`virtual/apiexport/`) is built on this index by the server.
 */
import type { AdmissionPlugin } from '../apiserver/admission/admission.ts';
import type { Authorizer } from '../apiserver/authz/authorizer.ts';
import type { Client } from '../apiserver/client.ts';
import type { CrdSource } from '../apiserver/registry/crd-source.ts';
import type { TypeRegistry } from '../apiserver/registry/type-registry.ts';
import type { Logger } from '../logging/logger.ts';
import type { Store } from '../storage/store.ts';
import { apisAdmission } from './admission/apis-admission.ts';
import { claimAcceptanceAdmission } from './admission/claim-acceptance-admission.ts';
import { claimLabelsAdmission } from './admission/claim-labels-admission.ts';
import { ApiIndex } from './api-index.ts';
import { ApiBindingController } from './controllers/apibinding/apibinding-controller.ts';
import { ApiExportController } from './controllers/apiexport/apiexport-controller.ts';
import { EndpointSliceController } from './controllers/endpointslice/endpointslice-controller.ts';
import { PermissionClaimLabelController } from './controllers/permissionclaimlabel/permissionclaimlabel-controller.ts';

export interface ApisOptions {
  readonly store: Store;
  readonly client: Client;
  readonly registry: TypeRegistry;
  readonly crds: CrdSource;
  readonly authorizer: Authorizer;
  readonly resolvePath: (path: string) => string | undefined;
  readonly baseUrl: () => string;
  readonly logger: Logger;
}

export class Apis {
  readonly index: ApiIndex;
  /** The apis.kcp.io checks, and the claim labels on every write. */
  readonly admission: readonly AdmissionPlugin[];
  private readonly options: ApisOptions;

  constructor(options: ApisOptions) {
    this.options = options;
    this.index = new ApiIndex(options.store, options.registry, options.resolvePath, options.logger);
    options.registry.addSource(this.index);
    this.admission = [
      apisAdmission(this.index, options.authorizer),
      claimAcceptanceAdmission(options.authorizer, (cluster, path, name) => {
        const exportCluster = this.index.exportCluster(cluster, path);
        return exportCluster ? this.index.exportOf(exportCluster, name) : undefined;
      }),
      claimLabelsAdmission(this.index),
    ];
  }

  /** Builds the index of exports, schemas and bindings (every replica, before it serves). */
  async start(): Promise<void> {
    await this.index.start();
    // Paths of exports resolve now that the workspace tree is known.
    this.index.reindex();
  }

  /**
   * Starts the export, binding, endpoint-slice and claim-label controllers, on the one
   * replica that runs the control plane's controllers; the result stops them.
   */
  async startControllers(): Promise<{ stop(): void }> {
    const { client, store, crds, baseUrl, logger } = this.options;
    const exports = new ApiExportController(
      client,
      this.index,
      logger.child({ controller: 'apiexport' }),
    );
    const bindings = new ApiBindingController(
      client,
      this.index,
      crds,
      logger.child({ controller: 'apibinding' }),
    );
    const slices = new EndpointSliceController(
      client,
      store,
      this.index,
      baseUrl,
      logger.child({ controller: 'endpointslice' }),
    );
    const claimLabels = new PermissionClaimLabelController(
      client,
      this.index,
      logger.child({ controller: 'permissionclaimlabel' }),
    );
    const controllers = [exports, bindings, slices, claimLabels];
    try {
      await slices.start();
    } catch (err) {
      for (const c of controllers) c.stop();
      throw err;
    }
    exports.resync();
    bindings.resync();
    claimLabels.resync();
    return {
      stop() {
        for (const c of controllers) c.stop();
      },
    };
  }

  stop(): void {
    this.index.stop();
  }
}
