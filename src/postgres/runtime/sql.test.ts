import { describe, expect, it } from 'vitest';
import { parseLsn, timelineOfWalFile } from './sql.ts';

describe('WAL positions', () => {
  it('compares LSNs numerically', () => {
    const a = parseLsn('0/3000060') as bigint;
    const b = parseLsn('0/10000000') as bigint;
    const c = parseLsn('1/0') as bigint;
    expect(a < b && b < c).toBe(true);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) + 0xb374d848n);
    expect(parseLsn(null)).toBeUndefined();
    expect(parseLsn('bogus')).toBeUndefined();
  });

  it('reads the timeline of a WAL file name', () => {
    expect(timelineOfWalFile('000000020000000000000003')).toBe(2);
    expect(timelineOfWalFile('0000000A0000000100000003')).toBe(10);
    expect(timelineOfWalFile('nope')).toBeUndefined();
  });
});
