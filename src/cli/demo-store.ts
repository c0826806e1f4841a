/**
 * `canopy demo-store`: a smoke demo of the revisioned store until the API server exists:
 * opens the store in the data directory, writes, lists and watches a few keys.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { objectKey } from '../storage/keys.ts';
import { SqliteStore } from '../storage/sqlite/sqlite-store.ts';

export function registerDemoStore(program: Command): void {
  program
    .command('demo-store')
    .description('write, list and watch a few objects in the revisioned store (smoke demo)')
    .option('--data-dir <dir>', 'where the store lives', '.canopy')
    .action(async (opts: { dataDir: string }) => {
      const dir = resolve(opts.dataDir);
      mkdirSync(dir, { recursive: true });
      const store = SqliteStore.open(join(dir, 'store.db'));
      const start = await store.currentRevision();
      console.log(`store ${join(dir, 'store.db')} at revision ${start}`);
      const watcher = store.watch('/core/configmaps/-/root/', { fromRevision: start });
      const seen = (async () => {
        let n = 0;
        for await (const e of watcher) {
          console.log(`watch: ${e.type} ${e.key} @${e.revision}`);
          if (++n === 3) break;
        }
      })();
      const key = objectKey({
        group: '',
        resource: 'configmaps',
        cluster: 'root',
        namespace: 'default',
        name: `demo-${start + 1}`,
      });
      const created = await store.create(key, JSON.stringify({ hello: 'world' }));
      const updated = await store.update(key, JSON.stringify({ hello: 'again' }), created.revision);
      await store.delete(key, updated.revision);
      await seen;
      const list = await store.list('/core/configmaps/-/root/');
      console.log(`list: ${list.items.length} objects at revision ${list.revision}`);
      await store.close();
    });
}
