/**
 * Workspaces for an API server: the path index, workspace admission, the workspace and
 * initialization controllers, and the root of the tree. Plain mode runs none of it.
 */

import {
  LOGICAL_CLUSTER_NAME,
  LOGICAL_CLUSTERS_GVR,
  type LogicalCluster,
} from '../api/tenancy/types.ts';
import type { AdmissionPlugin } from '../apiserver/admission/admission.ts';
import type { Authorizer } from '../apiserver/authz/authorizer.ts';
import type { Client } from '../apiserver/client.ts';
import type { ClusterResolver } from '../apiserver/http/pipeline.ts';
import type { TypeRegistry } from '../apiserver/registry/type-registry.ts';
import type { Logger } from '../logging/logger.ts';
import type { Store } from '../storage/store.ts';
import { systemFieldsAdmission } from './admission/system-fields-admission.ts';
import { workspaceAdmission } from './admission/workspace-admission.ts';
import { bootstrapRoot } from './bootstrap.ts';
import { ClusterIndex } from './cluster-index.ts';
import { InitializationController } from './controllers/initialization/initialization-controller.ts';
import { WorkspaceController } from './controllers/workspace/workspace-controller.ts';
import { WorkspaceTypeResolver } from './workspace-types.ts';

export interface TenancyOptions {
  readonly store: Store;
  readonly client: Client;
  readonly registry: TypeRegistry;
  readonly authorizer: Authorizer;
  readonly logger: Logger;
  readonly baseUrl: () => string;
}

export class Tenancy implements ClusterResolver {
  readonly index: ClusterIndex;
  readonly types: WorkspaceTypeResolver;
  /** Workspace admission, and what only the system may write. */
  readonly admission: readonly AdmissionPlugin[];
  private readonly options: TenancyOptions;
  private workspaces: WorkspaceController | undefined;
  private initialization: InitializationController | undefined;

  constructor(options: TenancyOptions) {
    this.options = options;
    this.index = new ClusterIndex(options.store, options.logger);
    this.types = new WorkspaceTypeResolver(options.client, this.index);
    this.admission = [
      workspaceAdmission(this.index, this.types, options.authorizer),
      systemFieldsAdmission(
        (cluster) =>
          options.client
            .resource(cluster, LOGICAL_CLUSTERS_GVR)
            .find(LOGICAL_CLUSTER_NAME) as Promise<LogicalCluster | undefined>,
      ),
    ];
  }

  resolve(pathOrName: string): string | undefined {
    return this.index.resolve(pathOrName);
  }

  /** Builds the index, makes sure root exists, and starts the controllers. */
  async start(): Promise<void> {
    const { client, registry, logger, baseUrl } = this.options;
    this.workspaces = new WorkspaceController({
      client,
      index: this.index,
      types: this.types,
      registry,
      logger: logger.child({ controller: 'workspace' }),
      baseUrl,
    });
    this.initialization = new InitializationController(
      client,
      this.index,
      logger.child({ controller: 'initialization' }),
    );
    await this.index.start();
    await bootstrapRoot(client, baseUrl());
    this.workspaces.resync();
    this.initialization.resync();
  }

  stop(): void {
    this.workspaces?.stop();
    this.initialization?.stop();
    this.index.stop();
  }
}
