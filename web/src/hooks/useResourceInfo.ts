/** What discovery says of one resource of a workspace: kind, scope, verbs, served version. */
import { useQuery } from '@tanstack/react-query';
import { type ApiResource, groupResources, pluralKind } from '../api/discovery.ts';
import { useApi } from '../app/session.tsx';

export function useResourceInfo(
  workspace: string,
  group: string,
  resource: string,
): { info?: ApiResource; kind: string; plural: string; error: unknown } {
  const api = useApi();
  const discovery = useQuery({
    queryKey: ['discovery', workspace, group],
    queryFn: ({ signal }) => groupResources(api, workspace, group, signal),
    staleTime: 60_000,
  });
  const info = discovery.data?.resources.find((r) => r.name === resource);
  const kind = info?.kind ?? resource;
  return { info, kind, plural: pluralKind(info?.kind ?? '', resource), error: discovery.error };
}
