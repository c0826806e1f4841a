/**
 * One object: an overview (metadata, status conditions; for a PostgreSQL Cluster the Connect
 * panel), its events and its YAML, kept live. Edit opens the form (ResourceEdit); Delete
 * asks first.
 */
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { stringify } from 'yaml';
import type { Condition, KubeList, KubeObject } from '../../../src/apimachinery/meta.ts';
import { resourcePath, withQuery } from '../api/paths.ts';
import { objectFromRoute, routes } from '../app/routes.ts';
import { useApi } from '../app/session.tsx';
import { Conditions } from '../components/Conditions.tsx';
import { ConnectPanel } from '../components/ConnectPanel.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { useLiveObject } from '../hooks/useLiveObject.ts';
import { useResourceInfo } from '../hooks/useResourceInfo.ts';

const YamlEditor = lazy(() => import('../components/YamlEditor.tsx'));

type Tab = 'overview' | 'events' | 'yaml';

/** What the YAML view shows: the object without managedFields (noise for a person). */
function forDisplay(object: KubeObject): string {
  const { managedFields: _managed, ...metadata } = object.metadata;
  return stringify({ ...object, metadata });
}

function Labels({ title, values }: { title: string; values?: Record<string, string> }) {
  const entries = Object.entries(values ?? {});
  return (
    <>
      <dt>{title}</dt>
      <dd>
        {entries.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          <ul className="labels">
            {entries.map(([k, v]) => (
              <li key={k} className="label">
                {k}={v}
              </li>
            ))}
          </ul>
        )}
      </dd>
    </>
  );
}

export default function ResourceDetail() {
  const { ws, type, ref, namespace, name } = objectFromRoute(useParams());
  const { group, resource } = type;
  const api = useApi();
  const navigate = useNavigate();
  const { kind, plural } = useResourceInfo(ws, group, resource);
  const live = useLiveObject(resourcePath(ref, namespace), name);
  const [tab, setTab] = useState<Tab>('overview');
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const object = live.object;
  const uid = object?.metadata.uid;
  const events = useQuery({
    queryKey: ['events', ws, namespace, uid],
    queryFn: ({ signal }) =>
      api.json<KubeList>(
        withQuery(
          resourcePath({ workspace: ws, group: '', version: 'v1', resource: 'events' }, namespace),
          {
            fieldSelector: `involvedObject.uid=${uid}`,
          },
        ),
        { signal },
      ),
    enabled: tab === 'events' && !!uid,
    refetchInterval: 5000,
  });

  if (live.error && !object)
    return <ErrorBanner error={live.error} title={`Could not read ${kind} ${name}`} />;
  if (live.missing) {
    return (
      <div className="empty">
        <p>
          {kind} {name} does not exist{namespace ? ` in namespace ${namespace}` : ''} (it may have
          been deleted).
        </p>
        <Link className="button" to={routes.list(ws, type)}>
          Back to {plural}
        </Link>
      </div>
    );
  }
  if (!object) return <Loading label={`Loading ${kind} ${name}`} lines={6} />;

  const status = (object.status ?? {}) as { conditions?: Condition[]; phase?: string };
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  const ready = conditions.some((c) => c.type === 'Ready' && c.status === 'True');
  const isPostgresCluster = group === 'postgresql.cnpg.io' && resource === 'clusters';

  const remove = async () => {
    setDeleteError(null);
    try {
      await api.json(resourcePath(ref, namespace, name), { method: 'DELETE' });
      navigate(routes.list(ws, type));
    } catch (err) {
      setDeleteError(err);
    }
  };

  return (
    <article aria-labelledby="detail-title">
      <div className="page-header row">
        <div>
          <p className="muted small">
            <Link to={routes.list(ws, type)}>{plural}</Link>
            {namespace ? ` · namespace ${namespace}` : ''}
          </p>
          <h1 id="detail-title">{name}</h1>
          {status.phase ? <p className="phase">{String(status.phase)}</p> : null}
        </div>
        <div className="header-actions">
          <Link className="button" to={routes.edit(ws, type, namespace, name)}>
            Edit
          </Link>
          <button type="button" className="button danger" onClick={() => setConfirmDelete(true)}>
            Delete
          </button>
        </div>
      </div>
      <div className="tabs" role="tablist" aria-label={`${kind} ${name}`}>
        {(['overview', 'events', 'yaml'] as const).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`tab-${t}`}
            aria-selected={tab === t}
            aria-controls={`panel-${t}`}
            className="tab"
            onClick={() => setTab(t)}
          >
            {t === 'yaml' ? 'YAML' : t[0]!.toUpperCase() + t.slice(1)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="tab-panel">
        {tab === 'overview' ? (
          <>
            {isPostgresCluster && namespace ? (
              <ConnectPanel workspace={ws} namespace={namespace} cluster={name} ready={ready} />
            ) : null}
            <section className="card">
              <h2>Conditions</h2>
              <Conditions conditions={conditions} />
            </section>
            <section className="card">
              <h2>Metadata</h2>
              <dl className="meta-list">
                <dt>Created</dt>
                <dd>{object.metadata.creationTimestamp ?? ''}</dd>
                <dt>UID</dt>
                <dd>{object.metadata.uid}</dd>
                <Labels title="Labels" values={object.metadata.labels} />
                <Labels title="Annotations" values={object.metadata.annotations} />
              </dl>
            </section>
          </>
        ) : null}
        {tab === 'events' ? (
          <section className="card">
            <h2>Events</h2>
            <ErrorBanner error={events.error} title="Could not list events" />
            {events.isPending ? <Loading label="Loading events" /> : null}
            {events.data && events.data.items.length === 0 ? (
              <p className="muted">No events for this object.</p>
            ) : null}
            {events.data && events.data.items.length > 0 ? (
              <div className="scroll-x">
                <table className="simple-table">
                  <thead>
                    <tr>
                      <th scope="col">Type</th>
                      <th scope="col">Reason</th>
                      <th scope="col">Message</th>
                      <th scope="col">Count</th>
                      <th scope="col">Last seen</th>
                    </tr>
                  </thead>
                  <tbody>
                    {events.data.items.map((e) => (
                      <tr key={e.metadata.uid ?? e.metadata.name}>
                        <td>{String(e.type ?? '')}</td>
                        <td>{String(e.reason ?? '')}</td>
                        <td>{String(e.message ?? '')}</td>
                        <td>{String(e.count ?? 1)}</td>
                        <td>{String(e.lastTimestamp ?? e.eventTime ?? '')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
          </section>
        ) : null}
        {tab === 'yaml' ? (
          <Suspense fallback={<Loading label="Loading the editor" lines={12} />}>
            <YamlEditor label={`YAML of ${kind} ${name}`} value={forDisplay(object)} readOnly />
          </Suspense>
        ) : null}
      </div>
      {confirmDelete ? (
        <Dialog open title={`Delete ${kind} ${name}?`} onClose={() => setConfirmDelete(false)}>
          <p>
            {kind} {name}
            {namespace ? ` in namespace ${namespace}` : ''} will be deleted. This cannot be undone.
          </p>
          <ErrorBanner error={deleteError} title="Could not delete" />
          <div className="dialog-actions">
            <button type="button" className="button" onClick={() => setConfirmDelete(false)}>
              Cancel
            </button>
            <button type="button" className="button danger" onClick={remove}>
              Delete
            </button>
          </div>
        </Dialog>
      ) : null}
    </article>
  );
}
