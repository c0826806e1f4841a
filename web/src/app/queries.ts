/**
 * The data most pages share, through TanStack Query (cached, deduplicated, refetched when
 * stale): the catalog, the workspace's APIBindings (refetched every second while one is
 * still binding, so the Enable dialog and the badges follow it to Bound), discovery.
 */
import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import type { APIBinding } from '../../../src/api/apis/types.ts';
import type { KubeList } from '../../../src/apimachinery/meta.ts';
import { type ApiResource, groupResources } from '../api/discovery.ts';
import { listProviders, type Provider } from '../api/hub.ts';
import { clusterBase } from '../api/paths.ts';
import { bindingFor, isBound, isEnabled } from '../logic/provider-state.ts';
import { useApi } from './session.tsx';

export function useCatalog() {
  const api = useApi();
  return useQuery({ queryKey: ['catalog'], queryFn: ({ signal }) => listProviders(api, signal) });
}

export const bindingsKey = (workspace: string) => ['bindings', workspace];

export function useBindings(workspace: string) {
  const api = useApi();
  return useQuery({
    queryKey: bindingsKey(workspace),
    queryFn: async ({ signal }) =>
      (
        await api.json<KubeList<APIBinding>>(
          `${clusterBase(workspace)}/apis/apis.kcp.io/v1alpha2/apibindings`,
          { signal },
        )
      ).items,
    refetchInterval: (query) =>
      query.state.data?.some((b) => !isBound(b) && !b.metadata.deletionTimestamp) ? 1000 : 30_000,
  });
}

/**
 * The provider's APIBinding in the workspace (undefined while loading or when there is
 * none), and `refetch` for after the hub changed it (the Enable and Disable dialogs).
 */
export function useProviderBinding(workspace: string, provider: Provider) {
  const queryClient = useQueryClient();
  const bindings = useBindings(workspace);
  return {
    binding: bindingFor(provider, bindings.data ?? []),
    refetch: () => queryClient.invalidateQueries({ queryKey: bindingsKey(workspace) }),
  };
}

export interface NavResource extends ApiResource {
  readonly group: string;
  readonly version: string;
}

export interface NavProvider {
  readonly provider: Provider;
  readonly resources: readonly NavResource[];
}

/** The enabled providers of a workspace and the resources each brings (from discovery). */
export function useEnabledProviders(workspace: string): {
  providers: NavProvider[];
  loading: boolean;
} {
  const api = useApi();
  const catalog = useCatalog();
  const bindings = useBindings(workspace);
  const enabled = (catalog.data?.items ?? []).flatMap((provider) => {
    if (!isEnabled(provider, bindings.data ?? [])) return [];
    const binding = bindingFor(provider, bindings.data ?? []);
    const groups = [...new Set((binding?.status?.boundResources ?? []).map((r) => r.group))];
    const resources = new Set(
      (binding?.status?.boundResources ?? []).map((r) => `${r.resource}.${r.group}`),
    );
    return [{ provider, groups, resources }];
  });
  const groups = [...new Set(enabled.flatMap((e) => e.groups))].sort();
  const discovered = useQueries({
    queries: groups.map((group) => ({
      queryKey: ['discovery', workspace, group],
      queryFn: ({ signal }: { signal: AbortSignal }) =>
        groupResources(api, workspace, group, signal),
      staleTime: 60_000,
    })),
  });
  const byGroup = new Map(discovered.flatMap((q) => (q.data ? [[q.data.group, q.data]] : [])));
  return {
    loading: catalog.isPending || bindings.isPending || discovered.some((q) => q.isPending),
    providers: enabled.map(({ provider, groups: mine, resources }) => ({
      provider,
      // By name, so the navigation does not reorder with the order discovery answers in.
      resources: mine
        .flatMap((group) => {
          const found = byGroup.get(group);
          if (!found) return [];
          return found.resources
            .filter((r) => resources.has(`${r.name}.${group}`))
            .map((r) => ({ ...r, group, version: found.version }));
        })
        .sort((a, b) => a.name.localeCompare(b.name) || a.group.localeCompare(b.group)),
    })),
  };
}
