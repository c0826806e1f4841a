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
import { WorkspaceTypeResolver, workspaceTypesOf } from './workspace-types.ts';

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

  constructor(options: TenancyOptions) {
    this.options = options;
    this.index = new ClusterIndex(options.store, options.logger);
    this.types = new WorkspaceTypeResolver(workspaceTypesOf(options.client), this.index);
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

  /** Builds the index and makes sure root exists (every replica, before it serves). */
  async start(): Promise<void> {
    await this.index.start();
    await bootstrapRoot(this.options.client, this.options.baseUrl());
  }

  /**
   * Starts the workspace and initialization controllers, on the one replica that runs the
   * control plane's controllers; the result stops them.
   */
  startControllers(): { stop(): void } {
    const { client, registry, logger, baseUrl } = this.options;
    const workspaces = new WorkspaceController({
      client,
      index: this.index,
      types: this.types,
      registry,
      logger: logger.child({ controller: 'workspace' }),
      baseUrl,
    });
    const initialization = new InitializationController(
      client,
      this.index,
      logger.child({ controller: 'initialization' }),
    );
    workspaces.resync();
    initialization.resync();
    return {
      stop() {
        workspaces.stop();
        initialization.stop();
      },
    };
  }

  stop(): void {
    this.index.stop();
  }
}
