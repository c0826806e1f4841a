/**
 * Structured logs for every Canopy process: JSON lines (for collectors) or a compact text
 * form (for people at a terminal). Secrets are never logged: callers log names and
 * metadata, never object bodies, tokens or keys.
 */
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';
export type LogFormat = 'json' | 'text';

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name']);

/**
 * One pino JSON line as a person reads it:
 * `12:00:01 INFO  apiserver: listening url=https://127.0.0.1:6443`. A line that is not
 * JSON passes through unchanged.
 */
export function formatTextLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = new Date(Number(record.time)).toISOString().slice(11, 19);
  const level = (LEVELS[Number(record.level)] ?? 'INFO').padEnd(5);
  const fields = Object.entries(record)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  const name = record.name ? `${String(record.name)}: ` : '';
  return `${time} ${level} ${name}${String(record.msg ?? '')}${fields ? ` ${fields}` : ''}`;
}

/**
 * A field of one log line in either format (a supervisor reading where its child serves
 * from the child's ready line): the JSON property, or the text form's `key=value` (values
 * without spaces only). Undefined when the line does not carry it.
 */
export function logLineField(line: string, key: string): string | undefined {
  try {
    const value = (JSON.parse(line) as Record<string, unknown>)[key];
    return value === undefined || value === null ? undefined : String(value);
  } catch {
    // Keys are plain words (`metrics`, `url`), nothing a regular expression reads otherwise.
    return new RegExp(`(?:^| )${key}=(\\S+)`).exec(line)?.[1];
  }
}

function textStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line) out.write(`${formatTextLine(line)}\n`);
      }
      done();
    },
  });
}

/** A logger that writes nothing (unit tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** One logged entry as a test reads it: the level's name, the message and the fields. */
export interface LogEntry {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A logger that keeps what it logs, from debug up (unit tests that check the logs). */
export function recordingLogger(): { logger: Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      const { level, time: _t, pid: _p, hostname: _h, ...rest } = JSON.parse(chunk.toString());
      entries.push({ ...rest, level: LEVELS[level as number] ?? String(level) });
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), entries };
}

/**
 * The logger of a process. `format` defaults to text when stdout is a terminal and JSON
 * otherwise (the `--log-format` flags override it); `level` to `$CANOPY_LOG_LEVEL` or info.
 */
export function createLogger(options: {
  name: string;
  format?: LogFormat;
  level?: string;
}): Logger {
  const format = options.format ?? (process.stdout.isTTY ? 'text' : 'json');
  const level = options.level ?? process.env.CANOPY_LOG_LEVEL ?? 'info';
  const base = { name: options.name };
  if (format === 'json') return pino({ level, base }, pino.destination({ dest: 1, sync: true }));
  return pino({ level, base }, textStream(process.stdout));
}
