/**
 * The permission-claim label controller (kcp's permissionclaimlabel): when a workspace's
 * bindings change — a claim accepted, rejected, its selector edited, a binding bound or
 * gone — it brings the claim labels of the objects already there up to date, so providers'
 * watches on the virtual workspace see them appear and disappear. New writes are labelled
 * by admission (`admission/claim-labels-admission.ts`); this only catches up existing objects.
 */

import type { APIBinding } from '../../../api/apis/types.ts';
import { type KubeObject, nameOf } from '../../../apimachinery/meta.ts';
import { isStatusError } from '../../../apimachinery/status.ts';
import type { Client } from '../../../apiserver/client.ts';
import type { ResourceType } from '../../../apiserver/registry/resource-type.ts';
import { WorkQueue } from '../../../controller/work-queue.ts';
import type { Logger } from '../../../logging/logger.ts';
import { parseObjectKey } from '../../../storage/keys.ts';
import type { ApiIndex } from '../../api-index.ts';
import { type ClaimRef, sameClaim, wantedClaimLabels, withClaimLabels } from '../../claims.ts';

/** Every claim a binding mentions: offered by the export, decided, or applied. */
function claimsOf(binding: APIBinding): ClaimRef[] {
  return [
    ...(binding.status?.exportPermissionClaims ?? []),
    ...(binding.spec.permissionClaims ?? []),
    ...(binding.status?.appliedPermissionClaims ?? []),
  ];
}

export class PermissionClaimLabelController {
  private readonly client: Client;
  private readonly index: ApiIndex;
  readonly queue: WorkQueue;
  /** Per workspace, the claims its bindings mentioned when last reconciled: a claim that
   * disappears with its binding still has labels to take away. */
  private readonly seen = new Map<string, ClaimRef[]>();

  constructor(client: Client, index: ApiIndex, logger: Logger) {
    this.client = client;
    this.index = index;
    this.queue = new WorkQueue((cluster) => this.reconcile(cluster), {
      name: 'permissionclaimlabel',
      logger,
      concurrency: 2,
    });
    index.bindings.onEvent((e) => this.queue.add(e.cluster));
  }

  /** Reconciles every workspace with bindings (at start, for objects written while down). */
  resync(): void {
    for (const [k] of this.index.bindings.entries()) this.queue.add(parseObjectKey(k).cluster);
  }

  private async reconcile(cluster: string): Promise<undefined> {
    const current = this.index.bindingsIn(cluster).flatMap((b) => claimsOf(b.binding));
    const claims: ClaimRef[] = [];
    for (const claim of [...(this.seen.get(cluster) ?? []), ...current])
      if (!claims.some((c) => sameClaim(c, claim))) claims.push(claim);
    for (const claim of claims) {
      const type = this.index.claimedType(claim);
      if (type) await this.relabel(cluster, type);
    }
    if (current.length > 0) this.seen.set(cluster, current);
    else this.seen.delete(cluster);
    return undefined;
  }

  /** Rewrites the objects of `type` in `cluster` whose claim labels are not what they should be. */
  private async relabel(cluster: string, type: ResourceType): Promise<void> {
    const resource = this.client.forType(cluster, type);
    let cont: string | undefined;
    do {
      const page = await resource.list({ limit: 500, ...(cont ? { continue: cont } : {}) });
      for (const obj of page.items as KubeObject[]) {
        // Judged against the bindings as they are now: a later change queues this again.
        const wanted = wantedClaimLabels(this.index.bindingsIn(cluster), type, obj);
        if (!withClaimLabels(obj.metadata.labels, wanted)) continue;
        // The write itself is labelled by admission, from the latest object.
        await this.client
          .forType(cluster, type, obj.metadata.namespace)
          .modify(nameOf(obj), (cur) => cur)
          .catch((err: unknown) => {
            if (!isStatusError(err, 'NotFound')) throw err;
          });
      }
      cont = page.metadata.continue || undefined;
    } while (cont);
  }

  stop(): void {
    this.queue.stop();
  }
}
