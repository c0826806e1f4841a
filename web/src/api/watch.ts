/**
 * Watch streams over fetch: one JSON event per line, read as it arrives. `splitLines` is the
 * framing (unit-tested); `watchStream` runs one request and hands each event on until the
 * server ends the stream, the caller aborts, or the stream fails.
 */
import type { Api } from './http.ts';

export interface WatchEvent<T> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: T;
}

/** Feeds text chunks in, gets complete lines out; the tail waits for the next chunk. */
export class LineSplitter {
  private rest = '';

  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    return lines.filter((line) => line.trim() !== '');
  }
}

export async function watchStream<T>(
  api: Api,
  path: string,
  accept: string,
  onEvent: (event: WatchEvent<T>) => void,
  signal: AbortSignal,
): Promise<void> {
  const res = await api.send(path, { accept, signal });
  if (!res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const splitter = new LineSplitter();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const line of splitter.push(value)) onEvent(JSON.parse(line) as WatchEvent<T>);
    }
  } finally {
    reader.releaseLock();
  }
}
