/**
 * The ClusterRole aggregation controller (pkg/controller/clusterroleaggregation): a
 * ClusterRole with an `aggregationRule` gets as `rules` the union of the rules of the
 * ClusterRoles its selectors match, in name order, duplicates dropped, kept up to date as
 * those roles change. Per logical cluster; the bootstrap defaults of a cluster (admin,
 * edit, view, system:aggregate-to-*) count as its ClusterRoles, so a custom aggregated role
 * can gather them even where they are not stored.
 *
 * Works from the RBAC index (no informer of its own): any ClusterRole change in a cluster
 * queues that cluster, and a reconcile rewrites the aggregated roles whose rules differ.
 */

import { RBAC_GROUP } from '../../../api/rbac/types.ts';
import { WorkQueue } from '../../../controller/work-queue.ts';
import type { Logger } from '../../../logging/logger.ts';
import type { Authorization } from '../../authz/authorization.ts';
import { fromRule, rulesEqual } from '../../authz/policy-rules.ts';
import type { Client } from '../../client.ts';

const CLUSTER_ROLES = { group: RBAC_GROUP, version: 'v1', resource: 'clusterroles' };

export class ClusterRoleAggregationController {
  private readonly client: Client;
  private readonly authorization: Authorization;
  readonly queue: WorkQueue;

  constructor(client: Client, authorization: Authorization, logger: Logger) {
    this.client = client;
    this.authorization = authorization;
    this.queue = new WorkQueue((cluster) => this.reconcile(cluster), {
      name: 'clusterrole-aggregation',
      logger,
      concurrency: 2,
    });
  }

  /** Call after the authorization index started: queues every cluster with ClusterRoles. */
  start(): void {
    this.authorization.index.onChange((cluster, resource) => {
      if (resource === 'clusterroles') this.queue.add(cluster);
    });
    for (const cluster of this.authorization.index.clusterNames()) {
      if (this.authorization.index.cluster(cluster)?.clusterRoles.size) this.queue.add(cluster);
    }
  }

  private async reconcile(cluster: string): Promise<undefined> {
    const policy = this.authorization.index.cluster(cluster);
    if (!policy) return undefined;
    const roles = this.client.resource(cluster, CLUSTER_ROLES);
    for (const role of [...policy.clusterRoles.values()]) {
      if (!role.aggregation) continue;
      const rules = this.authorization.rbac.aggregatedRules(cluster, role);
      if (rulesEqual(rules, role.rules)) continue;
      try {
        await roles.patch(role.name, { rules: rules.map(fromRule) });
      } catch (err) {
        // Deleted meanwhile: nothing left to aggregate into.
        if ((err as { code?: number }).code !== 404) throw err;
      }
    }
    return undefined;
  }

  stop(): void {
    this.queue.stop();
  }
}
