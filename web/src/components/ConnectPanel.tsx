/**
 * PostgreSQL's Connect panel for a Cluster: reads the credentials Secret the operator
 * writes (`<cluster>-app`) and shows the connection string and a psql command, the password
 * masked until asked, each with a copy button.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { KubeObject } from '../../../src/apimachinery/meta.ts';
import { ApiError } from '../api/http.ts';
import { resourcePath } from '../api/paths.ts';
import { useApi } from '../app/session.tsx';
import {
  appSecretName,
  connectionFromSecret,
  maskedUri,
  psqlCommand,
} from '../logic/connection.ts';
import { CopyButton } from './CopyButton.tsx';
import { ErrorBanner } from './ErrorBanner.tsx';

export function ConnectPanel({
  workspace,
  namespace,
  cluster,
  ready,
}: {
  workspace: string;
  namespace: string;
  cluster: string;
  ready: boolean;
}) {
  const api = useApi();
  const [reveal, setReveal] = useState(false);
  const secretName = appSecretName(cluster);
  const secret = useQuery({
    queryKey: ['secret', workspace, namespace, secretName, ready],
    queryFn: ({ signal }) =>
      api.json<KubeObject & { data?: Record<string, string> }>(
        resourcePath(
          { workspace, group: '', version: 'v1', resource: 'secrets' },
          namespace,
          secretName,
        ),
        { signal },
      ),
    // The Secret appears once the cluster is up; look again until it does.
    refetchInterval: (q) => (q.state.data ? false : 3000),
  });
  const connection = connectionFromSecret(secret.data?.data);
  const notYet = secret.error instanceof ApiError && secret.error.code === 404;
  return (
    <section className="card connect" aria-labelledby="connect-title">
      <h2 id="connect-title">Connect</h2>
      {notYet || (secret.isPending && !secret.error) ? (
        <p className="muted" role="status">
          The credentials appear here once the cluster is ready (Secret {secretName}).
        </p>
      ) : null}
      {secret.error && !notYet ? (
        <ErrorBanner error={secret.error} title="Could not read the credentials" />
      ) : null}
      {connection ? (
        <>
          <dl className="connect-list">
            <div className="connect-row">
              <dt className="connect-label">Connection string</dt>
              <dd>
                <code className="connect-value" data-testid="connection-string">
                  {reveal ? connection.uri : maskedUri(connection)}
                </code>
              </dd>
              <dd>
                <CopyButton text={connection.uri} label="Copy the connection string" />
              </dd>
            </div>
            <div className="connect-row">
              <dt className="connect-label">psql</dt>
              <dd>
                <code className="connect-value" data-testid="psql-command">
                  {psqlCommand(reveal ? connection.uri : maskedUri(connection))}
                </code>
              </dd>
              <dd>
                <CopyButton text={psqlCommand(connection.uri)} label="Copy the psql command" />
              </dd>
            </div>
          </dl>
          <button
            type="button"
            className="button small"
            aria-pressed={reveal}
            onClick={() => setReveal(!reveal)}
          >
            {reveal ? 'Hide password' : 'Show password'}
          </button>
        </>
      ) : null}
    </section>
  );
}
