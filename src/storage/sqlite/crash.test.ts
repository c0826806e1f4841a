import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WatchEvent } from '../store.ts';
import { SqliteStore } from './sqlite-store.ts';

const writerScript = join(import.meta.dirname, 'testdata', 'crash-writer.ts');

interface Ack {
  key: string;
  revision: number;
  value: string;
}

/** Runs the writer, kills it with SIGKILL after `acks` acknowledged writes, returns them. */
function runAndKill(path: string, acks: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writerScript, path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffer = '';
    let stderr = '';
    const seen: Ack[] = [];
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.stdout.on('data', (d: Buffer) => {
      buffer += d;
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
        const [kind, key, revision, ...rest] = line.split(' ');
        if (kind !== 'ack') continue;
        seen.push({ key: key as string, revision: Number(revision), value: rest.join(' ') });
        if (seen.length === acks) child.kill('SIGKILL');
      }
    });
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited without being killed: ${stderr}`));
      else resolve(seen);
    });
  });
}

async function replayAll(store: SqliteStore): Promise<WatchEvent[]> {
  const until = await store.currentRevision();
  const events: WatchEvent[] = [];
  if (until === 0) return events;
  const watcher = store.watch('/', { fromRevision: 0 });
  for await (const event of watcher) {
    events.push(event);
    if (event.revision === until) break;
  }
  return events;
}

describe('crash safety', () => {
  it('keeps every acknowledged write and a consistent log across SIGKILL (20 runs)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'canopy-crash-'));
    const path = join(dir, 'store.db');
    try {
      const allAcks: Ack[] = [];
      for (let run = 0; run < 20; run++) {
        // Kill at a random point: after 1 to 600 acknowledged writes of this run.
        const acks = await runAndKill(path, 1 + Math.floor(Math.random() * 600));
        allAcks.push(...acks);

        const store = SqliteStore.open(path, { compaction: false });
        try {
          // Every acknowledged write is there, at its revision, with its value.
          for (const ack of acks) {
            const kv = await store.get(ack.key, { revision: ack.revision });
            if (ack.value === 'DELETED') expect(kv).toBeUndefined();
            else expect(kv).toMatchObject({ revision: ack.revision, value: ack.value });
          }
          // The log is consistent: strictly increasing revisions, each write chained to
          // the one it replaced, every value whole, and the fold equals the latest state.
          const events = await replayAll(store);
          const state = new Map<string, WatchEvent>();
          let last = 0;
          for (const e of events) {
            expect(e.revision).toBeGreaterThan(last);
            last = e.revision;
            const prev = state.get(e.key);
            if (e.type === 'ADDED') expect(prev).toBeUndefined();
            else expect(e.prevRevision).toBe(prev?.revision);
            expect(() => JSON.parse(e.value)).not.toThrow();
            if (e.type === 'DELETED') state.delete(e.key);
            else state.set(e.key, e);
          }
          expect(last).toBe(await store.currentRevision());
          const latest = await store.list('/');
          expect(latest.items.map((i) => [i.key, i.revision, i.value])).toEqual(
            [...state.values()]
              .sort((a, b) => (a.key < b.key ? -1 : 1))
              .map((e) => [e.key, e.revision, e.value]),
          );
        } finally {
          await store.close();
        }
      }
      expect(allAcks.length).toBeGreaterThan(20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
