/**
 * The list of any resource: the server's Table columns (what `kubectl get` prints), rows
 * updated live from a watch, virtualized so thousands of rows scroll smoothly. Nothing here
 * knows any particular provider.
 */

import { useQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useId, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { KubeList } from '../../../src/apimachinery/meta.ts';
import { resourcePath } from '../api/paths.ts';
import { groupFromRoute, routes } from '../app/routes.ts';
import { useApi } from '../app/session.tsx';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { useLiveTable, useNow } from '../hooks/useLiveTable.ts';
import { useResourceInfo } from '../hooks/useResourceInfo.ts';
import { formatCell, rowKey, rowMeta, visibleColumns } from '../logic/table.ts';

const ROW_HEIGHT = 40;

export default function ResourceList() {
  const { ws = '', group: groupParam, version = '', resource = '' } = useParams();
  const group = groupFromRoute(groupParam);
  const type = { group, version, resource };
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
  const scroller = useRef<HTMLDivElement>(null);
  const rows = live.table?.rows ?? [];
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const nsId = useId();
  const columns = visibleColumns(live.table?.columns ?? [], wide);
  const showNamespace = info?.namespaced === true && !namespace;
  const template = `${showNamespace ? 'minmax(8rem, 1fr) ' : ''}${columns.map((_, i) => (i === 0 ? 'minmax(10rem, 2fr)' : 'minmax(6rem, 1fr)')).join(' ')}`;

  return (
    <section aria-labelledby="list-title">
      <div className="page-header row">
        <div>
          <h1 id="list-title">{plural}</h1>
          <p className="muted small">
            {resource}
            {group ? `.${group}` : ''} · {version} · {rows.length} shown, updated live
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
        <div ref={scroller} className="table table-body" data-testid="table-body">
          <table className="live-table" aria-rowcount={rows.length + 1}>
            <caption className="visually-hidden">{plural}</caption>
            <thead className="table-head">
              <tr className="table-row" style={{ gridTemplateColumns: template }}>
                {showNamespace ? (
                  <th scope="col" className="cell">
                    Namespace
                  </th>
                ) : null}
                {columns.map(({ column }) => (
                  <th key={column.name} scope="col" className="cell" title={column.description}>
                    {column.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {virtualizer.getVirtualItems().map((item) => {
                const row = rows[item.index]!;
                const meta = rowMeta(row);
                return (
                  <tr
                    key={rowKey(row)}
                    aria-rowindex={item.index + 2}
                    className="table-row"
                    style={{
                      gridTemplateColumns: template,
                      position: 'absolute',
                      top: 0,
                      left: 0,
                      right: 0,
                      height: ROW_HEIGHT,
                      transform: `translateY(${item.start}px)`,
                    }}
                  >
                    {showNamespace ? <td className="cell">{meta.namespace ?? ''}</td> : null}
                    {columns.map(({ column, index }) => (
                      <td key={column.name} className="cell">
                        {index === 0 ? (
                          <Link
                            to={routes.detail(
                              ws,
                              type,
                              meta.namespace,
                              meta.name ?? String(row.cells[0]),
                            )}
                          >
                            {formatCell(row.cells[index], column, now, meta)}
                          </Link>
                        ) : (
                          formatCell(row.cells[index], column, now, meta)
                        )}
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
