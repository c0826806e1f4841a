import { describe, expect, it } from 'vitest';
import { parseDuration, parsePort, parsePositiveInteger } from './flags.ts';

describe('command-line values', () => {
  it('parses Go durations', () => {
    expect(parseDuration('15s')).toBe(15_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(() => parseDuration('15')).toThrow(/invalid duration/);
  });

  it('names the flag when a port or count is out of range', () => {
    expect(parsePort('--port', '0')).toBe(0);
    expect(() => parsePort('--port', '65536')).toThrow(/--port must be a number/);
    expect(parsePositiveInteger('--max-requests-inflight', '3')).toBe(3);
    expect(() => parsePositiveInteger('--max-requests-inflight', '0')).toThrow(
      /--max-requests-inflight must be a whole number of at least 1/,
    );
  });
});
