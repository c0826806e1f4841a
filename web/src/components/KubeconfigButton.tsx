/**
 * "Kubeconfig": downloads a kubeconfig for the signed-in user in the current workspace from
 * the hub (`GET /api/kubeconfig`): the control plane's address and CA, and the session's own
 * token (an ID token when signed in with the issuer; the file says until when it is valid).
 */
import { useState } from 'react';
import { useApi } from '../app/session.tsx';

export function KubeconfigButton({ workspace }: { workspace: string }) {
  const api = useApi();
  const [error, setError] = useState('');
  const download = async () => {
    setError('');
    try {
      const res = await api.send(`/api/kubeconfig?workspace=${encodeURIComponent(workspace)}`, {
        accept: 'application/yaml',
      });
      const url = URL.createObjectURL(await res.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = `${workspace.replaceAll(':', '-')}.kubeconfig`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (err) {
      setError(`Could not download the kubeconfig: ${(err as Error).message}`);
    }
  };
  return (
    <>
      <button
        type="button"
        className="button small"
        onClick={download}
        aria-label={`Download a kubeconfig for ${workspace}`}
      >
        Kubeconfig
      </button>
      {error ? (
        <span role="alert" className="error-text">
          {error}
        </span>
      ) : null}
    </>
  );
}
