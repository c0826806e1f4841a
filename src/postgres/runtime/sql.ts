/**
 * SQL access to a local instance: the `pg` client over the instance's private Unix socket
 * as the `postgres` superuser (trust, see pg_hba), with short timeouts so a hung server
 * never blocks the operator.
 */
import pg from 'pg';

export const { escapeIdentifier, escapeLiteral } = pg;

export interface SocketAddress {
  readonly socketDir: string;
  readonly port: number;
}

export async function withClient<T>(
  address: SocketAddress,
  database: string,
  fn: (client: pg.Client) => Promise<T>,
  options: { connectTimeoutMs?: number; statementTimeoutMs?: number } = {},
): Promise<T> {
  const client = new pg.Client({
    host: address.socketDir,
    port: address.port,
    user: 'postgres',
    database,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    application_name: 'canopy-postgres-operator',
  });
  client.on('error', () => {
    // A terminated connection is reported by the pending query; nothing to do here.
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function query<R extends pg.QueryResultRow = Record<string, unknown>>(
  address: SocketAddress,
  sql: string,
  params: unknown[] = [],
  database = 'postgres',
  options: { connectTimeoutMs?: number; statementTimeoutMs?: number } = {},
): Promise<R[]> {
  return withClient(address, database, async (c) => (await c.query<R>(sql, params)).rows, options);
}

/** Parses an LSN "16/B374D848" into a comparable bigint. */
export function parseLsn(lsn: string | null | undefined): bigint | undefined {
  if (!lsn) return undefined;
  const m = /^([0-9A-Fa-f]+)\/([0-9A-Fa-f]+)$/.exec(lsn);
  if (!m) return undefined;
  return (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`);
}

/** The timeline of a WAL file name (its first 8 hex digits). */
export function timelineOfWalFile(name: string): number | undefined {
  const m = /^([0-9A-F]{8})[0-9A-F]{16}$/.exec(name);
  return m ? Number.parseInt(m[1] as string, 16) : undefined;
}
