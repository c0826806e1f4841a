/**
 * Crash-test writer: opens the store at argv[2] and writes until killed, from several
 * concurrent loops, printing one `ack <key> <revision> <value>` line per acknowledged
 * write. Stdout to a pipe is synchronous on Linux, so a printed line is never lost.
 */
import { isStoreError } from '../../errors.ts';
import { SqliteStore } from '../sqlite-store.ts';

const store = SqliteStore.open(process.argv[2] as string, { compaction: false });
const ack = (key: string, revision: number, value: string) =>
  process.stdout.write(`ack ${key} ${revision} ${value}\n`);

async function writer(id: number): Promise<never> {
  for (let n = 0; ; n++) {
    const key = `/crash/keys/-/root/-/w${id}-${n % 10}`;
    const value = JSON.stringify({ writer: id, n, pad: 'x'.repeat(200) });
    const current = await store.get(key);
    try {
      const kv = current
        ? n % 7 === 0
          ? await store.delete(key, current.revision)
          : await store.update(key, value, current.revision)
        : await store.create(key, value);
      ack(key, kv.revision, current && n % 7 === 0 ? 'DELETED' : value);
    } catch (err) {
      if (!isStoreError(err)) throw err;
    }
  }
}

process.stdout.write('ready\n');
await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(writer));
