/**
 * An instance's log as `kubectl logs` reads it: the PostgreSQL server's log file, whose lines
 * begin with the time (`log_line_prefix` `%m`, UTC); lines without one (continuations, the
 * output of programs the operator ran) belong to the line before. Options are kubelet's:
 * `tailLines`, `sinceSeconds` / `sinceTime`, `timestamps` (RFC 3339 before each line),
 * `limitBytes`, and `follow`, which keeps sending what is appended until the client leaves.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { Writable } from 'node:stream';

export interface LogOptions {
  readonly tailLines?: number;
  /** Only lines at or after this time (ms since the epoch). */
  readonly since?: number;
  readonly timestamps: boolean;
  readonly limitBytes?: number;
  readonly follow: boolean;
}

/** How much of a long log is read for one request (older lines are not sent). */
const MAX_READ_BYTES = 32 * 1024 * 1024;
/** How often a followed log is checked for new lines. */
const FOLLOW_POLL_MS = 200;

const LINE_TIME = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?) UTC /;

export function lineTime(line: string): number | undefined {
  const m = LINE_TIME.exec(line);
  return m ? Date.parse(`${m[1]}T${m[2]}Z`) : undefined;
}

export function parseLogOptions(query: URLSearchParams): LogOptions {
  const int = (name: string) => {
    const v = query.get(name);
    return v === null || v === '' ? undefined : Number(v);
  };
  const sinceSeconds = int('sinceSeconds');
  const sinceTime = query.get('sinceTime');
  const since =
    sinceSeconds !== undefined
      ? Date.now() - sinceSeconds * 1000
      : sinceTime
        ? Date.parse(sinceTime)
        : undefined;
  const tailLines = int('tailLines');
  const limitBytes = int('limitBytes');
  return {
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
    timestamps: query.get('timestamps') === 'true',
    follow: query.get('follow') === 'true',
  };
}

function readFrom(file: string, offset: number, end: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(Math.max(0, end - offset));
    let at = 0;
    while (at < buf.length) {
      const n = readSync(fd, buf, at, buf.length - at, offset + at);
      if (n === 0) break;
      at += n;
    }
    return buf.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

/** The selected lines of `text` (complete lines only), each with its time. */
export function selectLines(
  text: string,
  options: Pick<LogOptions, 'since' | 'tailLines'>,
  startTime = 0,
): { lines: { text: string; time: number }[]; lastTime: number } {
  const lines: { text: string; time: number }[] = [];
  let time = startTime;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    time = lineTime(line) ?? time;
    if (options.since === undefined || time >= options.since) lines.push({ text: line, time });
  }
  const tail = options.tailLines;
  return {
    lines: tail !== undefined ? lines.slice(Math.max(0, lines.length - tail)) : lines,
    lastTime: time,
  };
}

/**
 * Writes the log to `out` as the options say; with `follow`, keeps writing until `out`
 * closes. Resolves when done.
 */
export async function streamLog(file: string, options: LogOptions, out: Writable): Promise<void> {
  let sent = 0;
  let closed = false;
  out.on('close', () => {
    closed = true;
  });
  const write = (lines: { text: string; time: number }[]): boolean => {
    for (const { text, time } of lines) {
      let line = `${options.timestamps ? `${new Date(time).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z')} ` : ''}${text}\n`;
      if (options.limitBytes !== undefined) {
        const left = options.limitBytes - sent;
        if (left <= 0) return false;
        if (Buffer.byteLength(line) > left) line = Buffer.from(line).subarray(0, left).toString();
      }
      sent += Buffer.byteLength(line);
      out.write(line);
    }
    return options.limitBytes === undefined || sent < options.limitBytes;
  };
  let size = 0;
  try {
    size = statSync(file).size;
  } catch {
    // No log yet: nothing to send, unless following.
  }
  const start = Math.max(0, size - MAX_READ_BYTES);
  const head = readFrom(file, start, size).toString('utf8');
  // Only complete lines; a partial last line is sent when it is finished.
  const complete = head.lastIndexOf('\n') + 1;
  let offset = start + Buffer.byteLength(head.slice(0, complete));
  const first = selectLines(head.slice(0, complete), options);
  let lastTime = first.lastTime;
  if (!write(first.lines) || !options.follow) {
    out.end();
    return;
  }
  while (!closed) {
    await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
    let now = 0;
    try {
      now = statSync(file).size;
    } catch {
      continue;
    }
    // A log that shrank was replaced (a new data directory): start over from its beginning.
    if (now < offset) offset = 0;
    if (now === offset) continue;
    const chunk = readFrom(file, offset, now).toString('utf8');
    const end = chunk.lastIndexOf('\n') + 1;
    if (end === 0) continue;
    offset += Buffer.byteLength(chunk.slice(0, end));
    const next = selectLines(
      chunk.slice(0, end),
      { ...(options.since !== undefined ? { since: options.since } : {}) },
      lastTime,
    );
    lastTime = next.lastTime;
    if (!write(next.lines)) break;
  }
  if (!closed) out.end();
}
