/**
 * What the catalog says about a provider in the current workspace. Whether it is enabled is
 * read from the workspace's own APIBindings (one per enabled provider, referencing the
 * provider's export), so the state is what the control plane holds, not what the portal
 * last did.
 */
import type { APIBinding } from '../../../src/api/apis/types.ts';
import type { Provider } from '../api/hub.ts';

export type BadgeKind = 'builtin' | 'enabled' | 'enabling' | 'available' | 'blocked' | 'notReady';

export interface ProviderBadge {
  readonly kind: BadgeKind;
  readonly label: string;
  /** Why, in a sentence, when the label alone does not say. */
  readonly detail?: string;
}

/**
 * The binding of this workspace that references the provider's export, if any: by the
 * export's name and its workspace, named by path or by logical cluster (kcp takes either,
 * and a Bound binding states the cluster it resolved in status.apiExportClusterName), as
 * the hub's enablement reads bindings.
 */
export function bindingFor(
  provider: Provider,
  bindings: readonly APIBinding[],
): APIBinding | undefined {
  if (!provider.apiExportName) return undefined;
  const cluster = provider.apiExportCluster;
  return bindings.find((b) => {
    const ref = b.spec?.reference?.export;
    if (!ref || ref.name !== provider.apiExportName) return false;
    return (
      (ref.path !== undefined && ref.path === provider.apiExportPath) ||
      (!!cluster && (ref.path === cluster || b.status?.apiExportClusterName === cluster))
    );
  });
}

export function isBound(binding: APIBinding | undefined): boolean {
  return binding?.status?.phase === 'Bound';
}

/**
 * A provider with nothing to bind (no API export: only a UI or a backend) is on in every
 * workspace. A provider that exports an API, built-in ones like PostgreSQL included, is
 * enabled per workspace by a binding.
 */
export function alwaysOn(provider: Provider): boolean {
  return !provider.apiExportName;
}

/** Providers the workspace may use: those always on and those whose binding is Bound. */
export function isEnabled(provider: Provider, bindings: readonly APIBinding[]): boolean {
  return alwaysOn(provider) || isBound(bindingFor(provider, bindings));
}

export function providerBadge(
  provider: Provider,
  bindings: readonly APIBinding[],
  catalog: readonly Provider[],
): ProviderBadge {
  if (alwaysOn(provider)) {
    if (!provider.ready) return { kind: 'notReady', label: 'Not ready' };
    return provider.builtin
      ? { kind: 'builtin', label: 'Built-in' }
      : { kind: 'enabled', label: 'Enabled' };
  }
  const binding = bindingFor(provider, bindings);
  if (isBound(binding)) return { kind: 'enabled', label: 'Enabled' };
  if (binding) {
    const waiting = binding.status?.conditions?.find((c) => c.status !== 'True' && c.message);
    return {
      kind: 'enabling',
      label: 'Enabling',
      ...(waiting?.message ? { detail: waiting.message } : {}),
    };
  }
  if (!provider.ready) {
    return {
      kind: 'notReady',
      label: 'Not ready',
      detail: 'The provider is not serving yet; try again later.',
    };
  }
  const missing = missingDependencies(provider, bindings, catalog);
  if (missing.length > 0) {
    return {
      kind: 'blocked',
      label: 'Blocked',
      detail: `Enable ${missing.join(', ')} first.`,
    };
  }
  return { kind: 'available', label: 'Available' };
}

/** Display names of the dependencies that are not enabled here. */
export function missingDependencies(
  provider: Provider,
  bindings: readonly APIBinding[],
  catalog: readonly Provider[],
): string[] {
  const missing: string[] = [];
  for (const { name } of provider.dependencies ?? []) {
    const dependency = catalog.find((p) => p.name === name);
    if (!dependency) missing.push(name);
    else if (!isEnabled(dependency, bindings)) missing.push(dependency.displayName || name);
  }
  return missing;
}

/** Catalog filter: the search text matches name, display name, description or category. */
export function matchesSearch(provider: Provider, text: string, category: string | null): boolean {
  if (category !== null && (provider.category || 'Other') !== category) return false;
  const needle = text.trim().toLowerCase();
  if (!needle) return true;
  return [provider.name, provider.displayName, provider.description ?? '', provider.category ?? '']
    .join('\n')
    .toLowerCase()
    .includes(needle);
}

/** Categories in the hub's order, then by name; providers without one are "Other", last. */
export function categoriesOf(
  providers: readonly Provider[],
  order: readonly { name: string; order?: number }[] = [],
): string[] {
  const names = new Set(providers.map((p) => p.category || 'Other'));
  const rank = (name: string) =>
    name === 'Other'
      ? Number.MAX_SAFE_INTEGER
      : (order.find((c) => c.name === name)?.order ?? 1000);
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
