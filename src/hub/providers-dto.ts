/**
 * `GET /api/providers`: kedge's wire format for the portal, built from CatalogEntries.
 * Every field is always present (empty strings, empty lists, false), so a client never has
 * to tell a missing field from an empty one. Categories are the hub's: the known ones with
 * their icon and order, then any other category an entry names.
 */

import type { CatalogEntry } from '../api/providers/types.ts';
import { isConditionTrue } from '../apimachinery/conditions.ts';
import { providerWorkspacePath } from './topology.ts';

export interface PermissionClaimDTO {
  group: string;
  resource: string;
  verbs: string[];
  tenantScoped: boolean;
}

export interface ProviderDTO {
  name: string;
  displayName: string;
  description: string;
  category: string;
  vendor: string;
  version: string;
  ready: boolean;
  hasUI: boolean;
  hasBackend: boolean;
  iconURL: string;
  dependencies: { name: string }[];
  /** Sub-navigation entries (kedge's `ui.children`). */
  children: { displayName: string; builtinRoute: string }[];
  apiExportPath: string;
  /**
   * The logical cluster of the export's workspace ('' until the hub has seen it): a binding
   * may name the export by it instead of by its path, and a Bound binding names it in
   * status.apiExportClusterName, so the portal recognises those bindings too.
   */
  apiExportCluster: string;
  apiExportName: string;
  permissionClaims: PermissionClaimDTO[];
  builtin: boolean;
}

export interface CategoryDTO {
  name: string;
  /** A lucide icon name. */
  icon: string;
  order: number;
}

export interface ProvidersDTO {
  items: ProviderDTO[];
  categories: CategoryDTO[];
}

export const KNOWN_CATEGORIES: readonly CategoryDTO[] = [
  { name: 'Databases', icon: 'database', order: 10 },
  { name: 'Developer', icon: 'code', order: 20 },
  { name: 'Observability', icon: 'activity', order: 30 },
  { name: 'AI', icon: 'sparkles', order: 40 },
  { name: 'Demo', icon: 'package', order: 90 },
];
const OTHER_ICON = 'puzzle';
const OTHER_ORDER = 100;

/** Where an entry's export lives: its own path, or the workspace the hub makes for it. */
export function exportPathOf(entry: CatalogEntry): string {
  if (!entry.spec.apiExport) return '';
  return entry.spec.apiExport.path ?? providerWorkspacePath(entry.metadata.name ?? '');
}

export function providerDto(
  entry: CatalogEntry,
  options: { builtin: boolean; claims?: readonly PermissionClaimDTO[] },
): ProviderDTO {
  const s = entry.spec;
  const name = entry.metadata.name ?? '';
  return {
    name,
    displayName: s.displayName || name,
    description: s.description ?? '',
    category: s.category ?? '',
    vendor: s.vendor ?? '',
    version: s.version ?? '',
    ready: isConditionTrue(entry.status?.conditions, 'Ready'),
    hasUI: Boolean(s.ui?.url),
    hasBackend: Boolean(s.backend?.url),
    iconURL: s.iconURL ?? '',
    dependencies: (s.dependencies ?? []).map((d) => ({ name: d.name })),
    children: (s.ui?.children ?? []).map((c) => ({
      displayName: c.displayName,
      builtinRoute: c.builtinRoute,
    })),
    apiExportPath: exportPathOf(entry),
    apiExportCluster: (s.apiExport && entry.status?.logicalCluster) || '',
    apiExportName: s.apiExport?.name ?? '',
    permissionClaims: (
      options.claims ??
      (s.apiExport?.permissionClaims ?? []).map((c) => ({
        group: c.group ?? '',
        resource: c.resource,
        verbs: [...(c.verbs ?? [])],
        tenantScoped: c.tenantScoped === true,
      }))
    ).map((c) => ({ ...c, verbs: [...c.verbs] })),
    builtin: options.builtin,
  };
}

export function categoriesOf(items: readonly ProviderDTO[]): CategoryDTO[] {
  const known = new Set(KNOWN_CATEGORIES.map((c) => c.name));
  const others = [...new Set(items.map((i) => i.category).filter((c) => c && !known.has(c)))]
    .sort()
    .map((name) => ({ name, icon: OTHER_ICON, order: OTHER_ORDER }));
  return [...KNOWN_CATEGORIES.map((c) => ({ ...c })), ...others];
}
