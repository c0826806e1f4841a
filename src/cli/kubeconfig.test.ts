import { describe, expect, it } from 'vitest';
import { parseExpiration } from './kubeconfig.ts';

const HOUR = 3_600_000;

describe('parseExpiration', () => {
  it.each<[string, number]>([
    ['8760h', 8760 * HOUR],
    ['24h', 24 * HOUR],
    ['90m', 1.5 * HOUR],
    ['1h30m', 1.5 * HOUR],
    ['90s', 90_000],
    ['365d', 365 * 24 * HOUR],
    ['1d12h', 36 * HOUR],
    [' 24h ', 24 * HOUR],
  ])('%j → %d ms', (text, ms) => {
    expect(parseExpiration(text)).toBe(ms);
  });

  it.each(['', '0', '0s', '-1h', '24', '1y', 'soon'])('rejects %j', (text) => {
    expect(() => parseExpiration(text)).toThrow(
      `--expiration must be a positive duration such as 24h, 90m or 365d, not ${JSON.stringify(text)}`,
    );
  });
});
