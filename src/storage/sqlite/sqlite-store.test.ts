import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeConformance } from '../store-conformance.ts';
import { SqliteStore } from './sqlite-store.ts';

storeConformance('SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-store-'));
  const open = async () => SqliteStore.open(join(dir, 'store.db'), { compaction: false });
  return { open, reopen: open, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describe('the SQLite store', () => {
  let dir: string;
  let store: SqliteStore;
  const open = () => SqliteStore.open(join(dir, 'store.db'), { compaction: false });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'canopy-store-'));
    store = open();
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts revisions from 1 in a new database', async () => {
    expect(await store.currentRevision()).toBe(0);
    expect((await store.create('/k/a', 'v')).revision).toBe(1);
  });

  it('refuses a second process-level open of the same database', () => {
    expect(() => open()).toThrow(/in use by another process/);
  });

  it('is always fresh and healthy while open, and says so once closed', async () => {
    await store.fresh();
    expect(await store.health()).toBeUndefined();
    await store.close();
    await expect(store.fresh()).rejects.toMatchObject({ code: 'Closed' });
    expect(await store.health()).toMatch(/closed/);
    store = open();
  });
});
