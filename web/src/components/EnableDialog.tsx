/**
 * Enable a provider: every permission claim in words with a checkbox (tenant-scoped claims
 * ticked; any other claim unticked, with a warning once ticked), then Confirm asks the hub
 * to create the binding and the dialog shows progress until the binding is Bound, or the
 * server's reason when it refuses (403: may not bind here; 409: enable a dependency first).
 */
import { useEffect, useState } from 'react';
import { ApiError } from '../api/http.ts';
import { enableProvider } from '../api/hub.ts';
import { useProviderBinding } from '../app/queries.ts';
import { useApi } from '../app/session.tsx';
import {
  acceptedClaims,
  claimKey,
  initialSelection,
  presentClaim,
  untrustedSelected,
} from '../logic/claims.ts';
import { isBound } from '../logic/provider-state.ts';
import { Dialog, type ProviderDialogProps } from './Dialog.tsx';
import { ErrorBanner } from './ErrorBanner.tsx';

function explain(error: unknown, workspace: string): unknown {
  if (!(error instanceof ApiError)) return error;
  if (error.code === 403) {
    return new ApiError(
      403,
      `You may not enable providers in ${workspace}. ${error.message}`,
      error.reason,
    );
  }
  return error;
}

export function EnableDialog({ workspace, provider, onClose }: ProviderDialogProps) {
  const api = useApi();
  const claims = provider.permissionClaims ?? [];
  const [selected, setSelected] = useState(() => initialSelection(claims));
  const [phase, setPhase] = useState<'choose' | 'sending' | 'waiting' | 'done'>('choose');
  const [error, setError] = useState<unknown>(null);
  const { binding, refetch } = useProviderBinding(workspace, provider);
  const bound = isBound(binding);
  const warnings = untrustedSelected(claims, selected);

  useEffect(() => {
    if (phase === 'waiting' && bound) {
      setPhase('done');
      onClose();
    }
  }, [phase, bound, onClose]);

  const confirm = async () => {
    setError(null);
    setPhase('sending');
    try {
      await enableProvider(api, workspace, provider.name, acceptedClaims(claims, selected));
      setPhase('waiting');
      await refetch();
    } catch (err) {
      setError(explain(err, workspace));
      setPhase('choose');
    }
  };

  const toggle = (key: string) => {
    const next = new Set(selected);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    setSelected(next);
  };

  return (
    <Dialog open title={`Enable ${provider.displayName} in ${workspace}?`} onClose={onClose}>
      {claims.length > 0 ? (
        <>
          <p>
            {provider.displayName} asks for access to objects in this workspace beyond its own APIs.
            Untick what you do not grant; its controllers will not see those objects.
          </p>
          <fieldset className="claims">
            <legend>Permission claims</legend>
            {claims.map((claim) => {
              const shown = presentClaim(claim);
              const key = claimKey(claim);
              return (
                <label key={key} className="claim">
                  <input
                    type="checkbox"
                    checked={selected.has(key)}
                    onChange={() => toggle(key)}
                    disabled={phase !== 'choose'}
                  />
                  <span>
                    <strong>{shown.verbs}</strong> on <strong>{shown.resource}</strong> (
                    {shown.group})
                    {shown.trusted ? null : (
                      <span className="claim-untrusted"> — reaches beyond this workspace</span>
                    )}
                  </span>
                </label>
              );
            })}
          </fieldset>
        </>
      ) : (
        <p>{provider.displayName} asks for no access beyond its own APIs.</p>
      )}
      {warnings.length > 0 ? (
        <p className="warning" role="alert">
          You granted {warnings.map((c) => presentClaim(c).resource).join(', ')}, which the catalog
          does not mark as scoped to your workspace. Grant it only if you trust this provider.
        </p>
      ) : null}
      <ErrorBanner error={error} title={`Could not enable ${provider.displayName}`} />
      {phase === 'waiting' || phase === 'sending' ? (
        <p className="progress" role="status" aria-live="polite">
          <span className="spinner" aria-hidden="true" />{' '}
          {phase === 'sending' ? 'Creating the binding…' : 'Waiting for the binding to be Bound…'}
          {binding?.status?.conditions?.find((c) => c.status !== 'True')?.message
            ? ` ${binding.status.conditions.find((c) => c.status !== 'True')?.message}`
            : ''}
        </p>
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose}>
          {phase === 'waiting' ? 'Close' : 'Cancel'}
        </button>
        <button
          type="button"
          className="button primary"
          onClick={confirm}
          disabled={phase !== 'choose'}
        >
          Confirm
        </button>
      </div>
    </Dialog>
  );
}
