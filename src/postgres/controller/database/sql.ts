/**
 * The SQL a Database object turns into, as CloudNativePG's instance manager issues it:
 * CREATE DATABASE with the immutable options, ALTER DATABASE for the mutable ones
 * (owner, connection limit, ALLOW_CONNECTIONS, IS_TEMPLATE, tablespace), DROP DATABASE.
 */
import { escapeIdentifier, escapeLiteral } from '../../runtime/sql.ts';
import type { DatabaseSpec } from '../../types.ts';

export function createDatabaseSql(spec: DatabaseSpec): string {
  const name = spec.name as string;
  const parts = [`CREATE DATABASE ${escapeIdentifier(name)}`];
  const opts: string[] = [];
  if (spec.owner) opts.push(`OWNER ${escapeIdentifier(spec.owner)}`);
  if (spec.template) opts.push(`TEMPLATE ${escapeIdentifier(spec.template)}`);
  if (spec.encoding) opts.push(`ENCODING ${escapeLiteral(spec.encoding)}`);
  if (spec.locale) opts.push(`LOCALE ${escapeLiteral(spec.locale)}`);
  if (spec.localeProvider) opts.push(`LOCALE_PROVIDER ${escapeLiteral(spec.localeProvider)}`);
  if (spec.localeCollate) opts.push(`LC_COLLATE ${escapeLiteral(spec.localeCollate)}`);
  if (spec.localeCType) opts.push(`LC_CTYPE ${escapeLiteral(spec.localeCType)}`);
  if (spec.icuLocale) opts.push(`ICU_LOCALE ${escapeLiteral(spec.icuLocale)}`);
  if (spec.icuRules) opts.push(`ICU_RULES ${escapeLiteral(spec.icuRules)}`);
  if (spec.builtinLocale) opts.push(`BUILTIN_LOCALE ${escapeLiteral(spec.builtinLocale)}`);
  if (spec.collationVersion) opts.push(`COLLATION_VERSION ${escapeLiteral(spec.collationVersion)}`);
  if (spec.isTemplate !== undefined) opts.push(`IS_TEMPLATE ${spec.isTemplate}`);
  if (spec.allowConnections !== undefined) opts.push(`ALLOW_CONNECTIONS ${spec.allowConnections}`);
  if (spec.connectionLimit !== undefined)
    opts.push(`CONNECTION LIMIT ${Math.trunc(spec.connectionLimit)}`);
  if (spec.tablespace) opts.push(`TABLESPACE ${escapeIdentifier(spec.tablespace)}`);
  if (opts.length > 0) parts.push('WITH', ...opts);
  return parts.join(' ');
}

export interface ExistingDatabase {
  readonly owner: string;
  readonly isTemplate: boolean;
  readonly allowConnections: boolean;
  readonly connectionLimit: number;
  readonly tablespace: string;
}

/** The ALTER DATABASE statements that bring an existing database to the spec. */
export function alterDatabaseSql(spec: DatabaseSpec, existing: ExistingDatabase): string[] {
  const name = escapeIdentifier(spec.name as string);
  const out: string[] = [];
  if (spec.owner && spec.owner !== existing.owner)
    out.push(`ALTER DATABASE ${name} OWNER TO ${escapeIdentifier(spec.owner)}`);
  const withs: string[] = [];
  if (spec.isTemplate !== undefined && spec.isTemplate !== existing.isTemplate)
    withs.push(`IS_TEMPLATE ${spec.isTemplate}`);
  if (spec.allowConnections !== undefined && spec.allowConnections !== existing.allowConnections)
    withs.push(`ALLOW_CONNECTIONS ${spec.allowConnections}`);
  if (
    spec.connectionLimit !== undefined &&
    Math.trunc(spec.connectionLimit) !== existing.connectionLimit
  )
    withs.push(`CONNECTION LIMIT ${Math.trunc(spec.connectionLimit)}`);
  if (withs.length > 0) out.push(`ALTER DATABASE ${name} WITH ${withs.join(' ')}`);
  if (spec.tablespace && spec.tablespace !== existing.tablespace)
    out.push(`ALTER DATABASE ${name} SET TABLESPACE ${escapeIdentifier(spec.tablespace)}`);
  return out;
}

export function dropDatabaseSql(name: string): string {
  return `DROP DATABASE IF EXISTS ${escapeIdentifier(name)}`;
}

export const EXISTING_DATABASE_SQL = `
  SELECT pg_get_userbyid(d.datdba) AS owner, d.datistemplate AS "isTemplate",
         d.datallowconn AS "allowConnections", d.datconnlimit AS "connectionLimit",
         t.spcname AS tablespace
    FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace
   WHERE d.datname = $1`;
