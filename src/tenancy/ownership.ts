/**
 * Which Workspace a logical cluster belongs to: the one its LogicalCluster's
 * `spec.owner.uid` names (a UID the server assigns, so nobody can claim another's). A
 * Workspace whose `spec.cluster` or scheduling annotation names a logical cluster it does
 * not own neither resolves to it, nor shows its phase, nor deletes its content.
 */

/** Whether a LogicalCluster owned by `ownerUid` belongs to the Workspace `workspaceUid`. */
export function ownedBy(ownerUid: string | undefined, workspaceUid: string | undefined): boolean {
  return workspaceUid !== undefined && workspaceUid !== '' && ownerUid === workspaceUid;
}
