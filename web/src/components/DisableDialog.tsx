/**
 * Disable a provider: first count what will disappear — the objects of every resource the
 * binding brought, across namespaces — and say it ("3 Clusters, 1 Database"), then ask the
 * hub to remove the binding.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { KubeList } from '../../../src/apimachinery/meta.ts';
import { groupResources } from '../api/discovery.ts';
import { disableProvider } from '../api/hub.ts';
import { resourcePath, withQuery } from '../api/paths.ts';
import { useProviderBinding } from '../app/queries.ts';
import { useApi } from '../app/session.tsx';
import { Dialog, type ProviderDialogProps } from './Dialog.tsx';
import { ErrorBanner } from './ErrorBanner.tsx';

export function DisableDialog({ workspace, provider, onClose }: ProviderDialogProps) {
  const api = useApi();
  const { binding, refetch } = useProviderBinding(workspace, provider);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const bound = binding?.status?.boundResources ?? [];
  const counts = useQuery({
    queryKey: [
      'disable-counts',
      workspace,
      provider.name,
      bound.map((r) => `${r.resource}.${r.group}`),
    ],
    queryFn: async ({ signal }) => {
      const out: { kind: string; count: number }[] = [];
      for (const group of new Set(bound.map((r) => r.group))) {
        const found = await groupResources(api, workspace, group, signal);
        for (const r of found.resources) {
          if (!bound.some((b) => b.group === group && b.resource === r.name)) continue;
          const list = await api.json<KubeList>(
            withQuery(
              resourcePath({ workspace, group, version: found.version, resource: r.name }),
              {
                limit: '500',
              },
            ),
            { signal },
          );
          out.push({
            kind: r.kind,
            count: list.items.length + (list.metadata.remainingItemCount ?? 0),
          });
        }
      }
      return out;
    },
    enabled: bound.length > 0,
  });
  const nonEmpty = (counts.data ?? []).filter((c) => c.count > 0);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await disableProvider(api, workspace, provider.name);
      await refetch();
      onClose();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open title={`Disable ${provider.displayName} in ${workspace}?`} onClose={onClose}>
      <p>
        The {provider.displayName} APIs disappear from this workspace, and with them every object of
        their kinds.
      </p>
      {counts.isFetching ? (
        <p role="status">Counting the objects that would disappear…</p>
      ) : nonEmpty.length > 0 ? (
        <div role="status">
          <p>
            <strong>These objects will be deleted:</strong>
          </p>
          <ul className="disable-counts">
            {nonEmpty.map((c) => (
              <li key={c.kind}>
                {c.count} {c.kind}
                {c.count === 1 ? '' : 's'}
              </li>
            ))}
          </ul>
        </div>
      ) : counts.isSuccess ? (
        <p role="status">There are no objects of its kinds in this workspace.</p>
      ) : null}
      <ErrorBanner error={counts.error} title="Could not count the objects" />
      <ErrorBanner error={error} title={`Could not disable ${provider.displayName}`} />
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="button danger" onClick={confirm} disabled={busy}>
          {busy ? 'Disabling…' : 'Disable'}
        </button>
      </div>
    </Dialog>
  );
}
