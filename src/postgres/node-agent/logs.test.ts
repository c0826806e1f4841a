import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { lineTime, parseLogOptions, selectLines, streamLog } from './logs.ts';

const LOG = [
  '2025-01-01 10:00:00.000 UTC [10] LOG:  starting PostgreSQL 15',
  '2025-01-01 10:00:01.500 UTC [10] LOG:  listening on IPv4 address "127.0.0.1", port 5432',
  '\tcontinued detail',
  '2025-01-01 10:05:00.000 UTC [11] LOG:  checkpoint starting: time',
].join('\n');

describe('instance logs', () => {
  it('reads the time of a line from the log prefix', () => {
    expect(lineTime(LOG.split('\n')[1] as string)).toBe(Date.parse('2025-01-01T10:00:01.500Z'));
    expect(lineTime('\tcontinued detail')).toBeUndefined();
  });

  it('selects by time (continuations go with their line) and keeps the last lines', () => {
    const since = selectLines(`${LOG}\n`, { since: Date.parse('2025-01-01T10:00:01Z') });
    expect(since.lines.map((l) => l.text)).toEqual(LOG.split('\n').slice(1));
    expect(since.lines[1]?.time).toBe(Date.parse('2025-01-01T10:00:01.500Z'));
    expect(selectLines(`${LOG}\n`, { tailLines: 2 }).lines.map((l) => l.text)).toEqual(
      LOG.split('\n').slice(2),
    );
  });

  it('streams with timestamps and a byte limit, as kubelet does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'canopy-logs-'));
    try {
      const file = join(dir, 'postgres.log');
      writeFileSync(file, `${LOG}\n`);
      const read = async (query: string) => {
        const out = new PassThrough();
        let text = '';
        out.on('data', (d) => {
          text += d;
        });
        await streamLog(file, parseLogOptions(new URLSearchParams(query)), out);
        return text;
      };
      expect(await read('tailLines=1&timestamps=true')).toBe(
        '2025-01-01T10:05:00.000000000Z 2025-01-01 10:05:00.000 UTC [11] LOG:  checkpoint starting: time\n',
      );
      expect(await read('limitBytes=10')).toBe('2025-01-01');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
