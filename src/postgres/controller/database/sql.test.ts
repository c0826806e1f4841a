import { describe, expect, it } from 'vitest';
import { alterDatabaseSql, createDatabaseSql, dropDatabaseSql } from './sql.ts';

describe('Database SQL', () => {
  it('creates with the owner and the create-only options', () => {
    expect(createDatabaseSql({ name: 'one', owner: 'app' })).toBe(
      'CREATE DATABASE "one" WITH OWNER "app"',
    );
    expect(
      createDatabaseSql({
        name: 'Two"x',
        owner: 'app',
        template: 'template0',
        encoding: 'UTF8',
        localeCollate: 'C',
        connectionLimit: 5,
        allowConnections: true,
      }),
    ).toBe(
      `CREATE DATABASE "Two""x" WITH OWNER "app" TEMPLATE "template0" ENCODING 'UTF8' LC_COLLATE 'C' ALLOW_CONNECTIONS true CONNECTION LIMIT 5`,
    );
  });

  it('alters only what differs', () => {
    const existing = {
      owner: 'app',
      isTemplate: false,
      allowConnections: true,
      connectionLimit: -1,
      tablespace: 'pg_default',
    };
    expect(alterDatabaseSql({ name: 'one', owner: 'app' }, existing)).toEqual([]);
    expect(
      alterDatabaseSql(
        { name: 'one', owner: 'other', connectionLimit: 10, isTemplate: false },
        existing,
      ),
    ).toEqual([
      'ALTER DATABASE "one" OWNER TO "other"',
      'ALTER DATABASE "one" WITH CONNECTION LIMIT 10',
    ]);
  });

  it('drops idempotently', () => {
    expect(dropDatabaseSql('one')).toBe('DROP DATABASE IF EXISTS "one"');
  });
});
