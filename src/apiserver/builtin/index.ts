/**
 * Every built-in resource type, in discovery order (kubectl resolves short and ambiguous
 * names to the first match, so the core group comes first, as upstream).
 */
import type { ResourceType } from '../registry/resource-type.ts';
import { customResourceDefinitions } from './apiextensions/customresourcedefinitions.ts';
import { leases } from './coordination/leases.ts';
import { configMaps } from './core/configmaps.ts';
import { events } from './core/events.ts';
import { namespaces } from './core/namespaces.ts';
import { secrets } from './core/secrets.ts';
import { serviceAccounts } from './core/serviceaccounts.ts';
import { eventsV1 } from './events/events.ts';
import { clusterRoleBindings } from './rbac/clusterrolebindings.ts';
import { clusterRoles } from './rbac/clusterroles.ts';
import { roleBindings } from './rbac/rolebindings.ts';
import { roles } from './rbac/roles.ts';

export const builtinTypes: readonly ResourceType[] = [
  configMaps,
  events,
  namespaces,
  secrets,
  serviceAccounts,
  eventsV1,
  leases,
  customResourceDefinitions,
  clusterRoleBindings,
  clusterRoles,
  roleBindings,
  roles,
];
