/**
 * Every admission plugin of a Canopy server, in the one order they run in (as kcp's
 * `pkg/admission/plugins.go` states its order once). The chain runs all mutating steps in
 * this order, then all validating steps in this order. A plugin added to the server's
 * chain that is not listed here stops the server at start, so the order is always decided
 * here, not by the order of `add()` calls.
 */
export const ADMISSION_ORDER = [
  // apiserver/admission/namespace-lifecycle.ts: nothing is created in a namespace that is
  // missing or terminating, nor in a workspace that is terminating; system namespaces
  // cannot be deleted.
  'NamespaceLifecycle',
  // apiserver/authz/escalation.ts: a Role, ClusterRole or binding grants nothing its
  // writer lacks (unless the writer may `escalate` / `bind`).
  'RBACEscalation',
  // apiserver/admission/served-resources.ts: a CRD may not define a resource the
  // workspace serves otherwise (its objects share their storage).
  'ServedResources',
  // apiserver/admission/service-allocation.ts (plain servers only): Services get cluster
  // IPs and node ports.
  'ServiceIPAllocation',
  // tenancy/admission/workspace-admission.ts: a Workspace's type (defaulted, allowed as
  // child and parent, `use` on it), its creator and the type's labels.
  'WorkspaceAdmission',
  // tenancy/admission/system-fields-admission.ts: what only the system writes on
  // Workspaces, WorkspaceTypes and LogicalClusters.
  'SystemFields',
  // apis/admission/apis-admission.ts: `bind` to create an APIBinding or endpoint slice,
  // export resources name their schemas, schemas in use are not deleted, status is the
  // system's.
  'APIs',
  // apis/admission/claim-acceptance-admission.ts: accepting a permission claim needs the
  // verbs it grants on the claimed resource.
  'ClaimAcceptance',
  // apis/admission/claim-labels-admission.ts: the permission-claim labels of every object
  // follow the accepted claims (mutating, after every plugin that may change labels).
  'PermissionClaimLabels',
  // hub/apis/approval-admission.ts: a CatalogEntry's untrusted claims need the `approve`
  // verb.
  'CatalogEntryApproval',
  // apiserver/admission/validating-admission-policy.ts: the CEL rules of
  // ValidatingAdmissionPolicies (and, in workspaces, of the bound resource's export
  // workspace) deny, warn or audit; last, as upstream runs it after the other plugins.
  'ValidatingAdmissionPolicy',
] as const;
