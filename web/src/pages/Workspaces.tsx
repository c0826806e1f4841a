/**
 * The workspace tree below the current workspace, as far as the user may list it (each
 * level loads when opened), the current path always in the header, and a form to create a
 * child workspace here, which the server allows or refuses by RBAC.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { KubeList, KubeObject } from '../../../src/apimachinery/meta.ts';
import { ApiError } from '../api/http.ts';
import { clusterBase } from '../api/paths.ts';
import { routes } from '../app/routes.ts';
import { useApi } from '../app/session.tsx';
import { ErrorBanner } from '../components/ErrorBanner.tsx';

const workspacesPath = (ws: string) => `${clusterBase(ws)}/apis/tenancy.kcp.io/v1alpha1/workspaces`;

interface Workspace extends KubeObject {
  status?: { phase?: string };
  spec?: { type?: { name?: string } };
}

function useChildren(ws: string, enabled: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: ['workspaces', ws],
    queryFn: ({ signal }) => api.json<KubeList<Workspace>>(workspacesPath(ws), { signal }),
    enabled,
    refetchInterval: (q) =>
      q.state.data?.items.some((w) => w.status?.phase !== 'Ready') ? 2000 : false,
  });
}

function Node({ path, current, depth }: { path: string; current: string; depth: number }) {
  const [open, setOpen] = useState(depth === 0);
  const children = useChildren(path, open);
  const name = path.split(':').at(-1);
  const listId = useId();
  return (
    <li>
      <div className="tree-row">
        <button
          type="button"
          className="disclosure"
          aria-expanded={open}
          aria-label={`Workspaces in ${path}`}
          aria-controls={listId}
          onClick={() => setOpen(!open)}
        >
          {open ? '▾' : '▸'}
        </button>
        <Link to={routes.catalog(path)} aria-current={path === current ? 'page' : undefined}>
          {name}
        </Link>
        <span className="muted small">{path}</span>
      </div>
      {open ? (
        <ul id={listId}>
          {children.isPending ? <li className="muted small">Loading…</li> : null}
          {children.error instanceof ApiError && children.error.code === 403 ? (
            <li className="muted small">You may not list the workspaces inside {name}.</li>
          ) : children.error ? (
            <li>
              <ErrorBanner error={children.error} title="Could not list workspaces" />
            </li>
          ) : null}
          {children.data?.items.length === 0 ? (
            <li className="muted small">No child workspaces.</li>
          ) : null}
          {children.data?.items.map((w) => (
            <Node
              key={w.metadata.name}
              path={`${path}:${w.metadata.name}`}
              current={current}
              depth={depth + 1}
            />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

export default function Workspaces() {
  const { ws = '' } = useParams();
  const api = useApi();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState('');
  const nameId = useId();

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setCreated('');
    try {
      await api.json(workspacesPath(ws), {
        method: 'POST',
        body: {
          apiVersion: 'tenancy.kcp.io/v1alpha1',
          kind: 'Workspace',
          metadata: { name: name.trim() },
          spec: {},
        },
      });
      setCreated(`${ws}:${name.trim()}`);
      setName('');
      await queryClient.invalidateQueries({ queryKey: ['workspaces', ws] });
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section aria-labelledby="ws-title">
      <div className="page-header">
        <h1 id="ws-title">Workspaces</h1>
        <p className="muted">
          You are in <code>{ws}</code>. Pick a workspace to enter it.
        </p>
      </div>
      <div className="card">
        <ul aria-label="Workspaces" className="tree">
          <Node path={ws} current={ws} depth={0} />
        </ul>
      </div>
      <form className="card inline-form" onSubmit={create}>
        <h2>Create a workspace in {ws}</h2>
        <label htmlFor={nameId}>Name</label>
        <div className="row">
          <input
            id={nameId}
            value={name}
            onChange={(e) => setName(e.target.value)}
            pattern="[a-z0-9]([\-a-z0-9]*[a-z0-9])?"
            title="Lower-case letters, digits and dashes"
            required
          />
          <button type="submit" className="button primary">
            Create
          </button>
        </div>
        <ErrorBanner error={error} title="Could not create the workspace" />
        {created ? (
          <p role="status">
            Created <Link to={routes.catalog(created)}>{created}</Link>.
          </p>
        ) : null}
      </form>
    </section>
  );
}
