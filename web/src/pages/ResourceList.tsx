/**
 * The list of any resource: the server's Table columns (what `kubectl get` prints), rows
 * updated live from a watch, laid out so thousands of rows scroll smoothly. Nothing here
 * knows any particular provider.
 */

import { useQuery } from '@tanstack/react-query';
import { useId, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { KubeList } from '../../../src/apimachinery/meta.ts';
import { resourcePath } from '../api/paths.ts';
import { groupFromRoute, routes } from '../app/routes.ts';
import { useApi } from '../app/session.tsx';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { LiveTable } from '../components/LiveTable.tsx';
import { Loading } from '../components/Loading.tsx';
import { useLiveTable, useNow } from '../hooks/useLiveTable.ts';
import { useResourceInfo } from '../hooks/useResourceInfo.ts';
import { visibleColumns } from '../logic/table.ts';

export default function ResourceList() {
  const { ws = '', group: groupParam, version = '', resource = '' } = useParams();
  const group = groupFromRoute(groupParam);
  const type = useMemo(() => ({ group, version, resource }), [group, version, resource]);
  const api = useApi();
  const { info, kind, plural } = useResourceInfo(ws, group, resource);
  const [namespace, setNamespace] = useState('');
  const namespaces = useQuery({
    queryKey: ['namespaces', ws],
    queryFn: ({ signal }) =>
      api.json<KubeList>(
        resourcePath({ workspace: ws, group: '', version: 'v1', resource: 'namespaces' }),
        { signal },
      ),
    enabled: info?.namespaced === true,
  });
  const path = resourcePath({ workspace: ws, ...type }, namespace || undefined);
  const live = useLiveTable(path, {});
  const now = useNow();
  const [wide, setWide] = useState(false);
  const rows = live.table?.rows ?? [];
  const nsId = useId();
  const tableColumns = live.table?.columns;
  const columns = useMemo(() => visibleColumns(tableColumns ?? [], wide), [tableColumns, wide]);
  const showNamespace = info?.namespaced === true && !namespace;

  return (
    <section aria-labelledby="list-title">
      <div className="page-header row">
        <div>
          <h1 id="list-title">{plural}</h1>
          <p className="muted small">
            {resource}
            {group ? `.${group}` : ''} · {version}
            {live.table ? ` · ${rows.length} shown, updated live` : ''}
          </p>
        </div>
        <div className="header-actions">
          {info?.namespaced ? (
            <>
              <label htmlFor={nsId} className="visually-hidden">
                Namespace
              </label>
              <select id={nsId} value={namespace} onChange={(e) => setNamespace(e.target.value)}>
                <option value="">All namespaces</option>
                {(namespaces.data?.items ?? []).map((n) => (
                  <option key={n.metadata.name} value={n.metadata.name}>
                    {n.metadata.name}
                  </option>
                ))}
              </select>
            </>
          ) : null}
          <label className="inline-check">
            <input type="checkbox" checked={wide} onChange={(e) => setWide(e.target.checked)} /> All
            columns
          </label>
          <Link className="button primary" to={routes.create(ws, type)}>
            Create {kind}
          </Link>
        </div>
      </div>
      <ErrorBanner error={live.error} title={`Could not list ${plural}`} />
      {!live.table && !live.error ? <Loading label={`Loading ${plural}`} lines={6} /> : null}
      {live.table && rows.length === 0 ? (
        <div className="empty">
          <p>
            No {plural} {namespace ? `in namespace ${namespace}` : 'in this workspace'} yet.
          </p>
          <Link className="button primary" to={routes.create(ws, type)}>
            Create the first {kind}
          </Link>
        </div>
      ) : null}
      {live.table && rows.length > 0 ? (
        <LiveTable
          caption={plural}
          rows={rows}
          columns={columns}
          showNamespace={showNamespace}
          now={now}
          workspace={ws}
          type={type}
        />
      ) : null}
    </section>
  );
}
