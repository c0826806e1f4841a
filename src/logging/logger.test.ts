import { describe, expect, it } from 'vitest';
import { formatTextLine, logLineField, recordingLogger } from './logger.ts';

describe('formatTextLine', () => {
  it('prints time, level, name, message and the remaining fields', () => {
    const line = JSON.stringify({
      level: 40,
      time: Date.parse('2025-01-02T12:00:01.500Z'),
      pid: 1,
      hostname: 'h',
      name: 'apiserver',
      msg: 'slow request',
      url: 'https://127.0.0.1:6443',
      took: { ms: 12 },
    });
    expect(formatTextLine(line)).toBe(
      '12:00:01 WARN  apiserver: slow request url=https://127.0.0.1:6443 took={"ms":12}',
    );
  });

  it('leaves out the name and fields when there are none, and reads unknown levels as INFO', () => {
    const line = JSON.stringify({ level: 35, time: 0, msg: 'ready' });
    expect(formatTextLine(line)).toBe('00:00:00 INFO  ready');
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(formatTextLine('plain text')).toBe('plain text');
  });
});

describe('logLineField', () => {
  const json = JSON.stringify({
    level: 30,
    time: 0,
    name: 'syncagent',
    msg: 'sync agent ready',
    metrics: 'http://127.0.0.1:4242',
  });

  it('reads a field from a JSON line and from its text form', () => {
    expect(logLineField(json, 'metrics')).toBe('http://127.0.0.1:4242');
    expect(logLineField(formatTextLine(json), 'metrics')).toBe('http://127.0.0.1:4242');
    expect(logLineField(json, 'health')).toBeUndefined();
    expect(logLineField(formatTextLine(json), 'health')).toBeUndefined();
    // A field name inside another does not count.
    expect(logLineField('12:00:00 INFO  x: ready xmetrics=1', 'metrics')).toBeUndefined();
  });
});

describe('recordingLogger', () => {
  it('keeps each entry with its level, message and fields, as it is logged', () => {
    const { logger, entries } = recordingLogger();
    logger.warn({ key: 'k' }, 'failed');
    expect(entries).toEqual([{ level: 'WARN', msg: 'failed', key: 'k' }]);
    logger.child({ queue: 'q' }).debug('detail');
    expect(entries[1]).toEqual({ level: 'DEBUG', msg: 'detail', queue: 'q' });
  });
});
