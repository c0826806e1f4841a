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

/** `12:00:01 INFO  apiserver: listening url=https://127.0.0.1:6443` */
function textStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        let rec: Record<string, unknown>;
        try {
          rec = JSON.parse(line) as Record<string, unknown>;
        } catch {
          out.write(`${line}\n`);
          continue;
        }
        const time = new Date(Number(rec.time)).toISOString().slice(11, 19);
        const level = (LEVELS[Number(rec.level)] ?? 'INFO').padEnd(5);
        const fields = Object.entries(rec)
          .filter(([k]) => !HIDDEN.has(k))
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ');
        const name = rec.name ? `${String(rec.name)}: ` : '';
        out.write(
          `${time} ${level} ${name}${String(rec.msg ?? '')}${fields ? ` ${fields}` : ''}\n`,
        );
      }
      done();
    },
  });
}

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
