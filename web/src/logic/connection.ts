/**
 * The PostgreSQL Connect panel's content, from the credentials Secret the operator writes
 * for a Cluster (`<cluster>-app`, CloudNativePG's keys: username, password, host, port,
 * dbname, uri): the connection string and a psql command, each also in a form with the
 * password masked, which is what the panel shows until the user asks for the password.
 */

export interface Connection {
  readonly username: string;
  readonly password: string;
  readonly host: string;
  readonly port: string;
  readonly dbname: string;
  readonly uri: string;
}

export const MASK = '••••••••';

/** The Secret CloudNativePG writes for the application user of a Cluster. */
export function appSecretName(cluster: string): string {
  return `${cluster}-app`;
}

/** Secret data is base64 of bytes; credentials are UTF-8 text. */
export function decodeSecretValue(value: string | undefined): string {
  if (!value) return '';
  const bytes = Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

function hostForUri(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export function connectionFromSecret(
  data: Record<string, string> | undefined,
): Connection | undefined {
  if (!data) return undefined;
  const get = (key: string) => decodeSecretValue(data[key]);
  const username = get('username') || get('user');
  const password = get('password');
  const host = get('host');
  const port = get('port') || '5432';
  const dbname = get('dbname');
  const uri =
    get('uri') ||
    (host && username
      ? `postgresql://${encodeURIComponent(username)}:${encodeURIComponent(password)}@${hostForUri(host)}:${port}/${encodeURIComponent(dbname)}`
      : '');
  if (!uri) return undefined;
  return { username, password, host, port, dbname, uri };
}

/** The connection string with its password replaced by the mask. */
export function maskedUri(connection: Connection): string {
  if (!connection.password) return connection.uri;
  try {
    const url = new URL(connection.uri);
    if (url.password) {
      url.password = 'MASKED';
      return url.toString().replace('MASKED', MASK);
    }
  } catch {
    // Not a URL: mask the password wherever it appears.
  }
  return connection.uri.split(connection.password).join(MASK);
}

/** A word the shell reads back unchanged: single quotes, with ' written as '\''. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

export function psqlCommand(uri: string): string {
  return `psql ${shellQuote(uri)}`;
}
