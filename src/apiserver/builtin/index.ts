/**
 * Every built-in resource type, in discovery order (kubectl resolves short and ambiguous
 * names to the first match, so the core group comes first, as upstream). Workspaces serve
 * kcp's set (no workloads, as kcp); the plain server, standing in for the service owner's
 * cluster, also serves the workload APIs real manifests use (`builtinTypesFor(true)`).
 */
import type { ResourceType } from '../registry/resource-type.ts';
import {
  validatingAdmissionPolicies,
  validatingAdmissionPolicyBindings,
} from './admissionregistration/admission-policies.ts';
import { mutatingWebhookConfigurations } from './admissionregistration/mutatingwebhookconfigurations.ts';
import { validatingWebhookConfigurations } from './admissionregistration/validatingwebhookconfigurations.ts';
import { customResourceDefinitions } from './apiextensions/customresourcedefinitions.ts';
import { daemonSets } from './apps/daemonsets.ts';
import { deployments } from './apps/deployments.ts';
import { replicaSets } from './apps/replicasets.ts';
import { statefulSets } from './apps/statefulsets.ts';
import { cronJobs } from './batch/cronjobs.ts';
import { jobs } from './batch/jobs.ts';
import { leases } from './coordination/leases.ts';
import { configMaps } from './core/configmaps.ts';
import { endpoints } from './core/endpoints.ts';
import { events } from './core/events.ts';
import { namespaces } from './core/namespaces.ts';
import { nodes } from './core/nodes.ts';
import { persistentVolumeClaims } from './core/persistentvolumeclaims.ts';
import { pods } from './core/pods.ts';
import { secrets } from './core/secrets.ts';
import { serviceAccounts } from './core/serviceaccounts.ts';
import { services } from './core/services.ts';
import { endpointSlices } from './discovery/endpointslices.ts';
import { eventsV1 } from './events/events.ts';
import { ingresses } from './networking/ingresses.ts';
import { runtimeClasses } from './node/runtimeclasses.ts';
import { podDisruptionBudgets } from './policy/poddisruptionbudgets.ts';
import { clusterRoleBindings } from './rbac/clusterrolebindings.ts';
import { clusterRoles } from './rbac/clusterroles.ts';
import { roleBindings } from './rbac/rolebindings.ts';
import { roles } from './rbac/roles.ts';
import { priorityClasses } from './scheduling/priorityclasses.ts';

/** What every server serves, workspaces included. */
export const builtinTypes: readonly ResourceType[] = [
  configMaps,
  events,
  namespaces,
  secrets,
  serviceAccounts,
  eventsV1,
  leases,
  validatingAdmissionPolicies,
  validatingAdmissionPolicyBindings,
  customResourceDefinitions,
  clusterRoleBindings,
  clusterRoles,
  roleBindings,
  roles,
];

/** The workload APIs only the plain server serves (nothing in kcp runs pods). */
export const workloadTypes: readonly ResourceType[] = [
  endpoints,
  nodes,
  persistentVolumeClaims,
  pods,
  services,
  mutatingWebhookConfigurations,
  validatingWebhookConfigurations,
  daemonSets,
  deployments,
  replicaSets,
  statefulSets,
  cronJobs,
  jobs,
  endpointSlices,
  ingresses,
  runtimeClasses,
  podDisruptionBudgets,
  priorityClasses,
];

/** The built-ins of a server, core group first. */
export function builtinTypesFor(plain: boolean): readonly ResourceType[] {
  if (!plain) return builtinTypes;
  const core = (t: ResourceType) => t.group === '';
  const all = [...builtinTypes, ...workloadTypes];
  return [...all.filter(core), ...all.filter((t) => !core(t))];
}
