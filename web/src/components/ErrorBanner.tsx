/**
 * An error as the server stated it: its message (rendered as text), the HTTP code and
 * reason, and what to do next where the code says it.
 */
import { ApiError } from '../api/http.ts';

function hint(error: ApiError): string | undefined {
  switch (error.code) {
    case 0:
      return 'Check that Canopy is running, then try again.';
    case 401:
      return 'Your token was not accepted: sign in again.';
    case 403:
      return 'Ask an administrator of this workspace for access.';
    default:
      return undefined;
  }
}

export function ErrorBanner({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const apiError = error instanceof ApiError ? error : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const next = apiError ? hint(apiError) : undefined;
  return (
    <div className="error-banner" role="alert">
      <strong>{title ?? 'The request failed'}</strong>
      {apiError && apiError.code > 0 ? (
        <span className="error-code">
          {' '}
          ({apiError.code}
          {apiError.reason ? ` ${apiError.reason}` : ''})
        </span>
      ) : null}
      <p className="error-message">{message}</p>
      {next ? <p className="error-hint">{next}</p> : null}
    </div>
  );
}
