import { describe, expect, it } from 'vitest';
import { effectiveFormat, parseFormatDuration, stringFormatCheck } from './formats.ts';

describe('string formats', () => {
  const cases: [string, string, boolean][] = [
    ['uuid', '123e4567-e89b-12d3-a456-426614174000', true],
    ['uuid', '123E4567E89B12D3A456426614174000', true],
    ['uuid', 'nope', false],
    ['uuid4', '123e4567-e89b-42d3-a456-426614174000', true],
    ['uuid4', '123e4567-e89b-12d3-a456-426614174000', false],
    ['email', 'a@b.io', true],
    ['email', 'Jane <jane@example.com>', true],
    ['email', 'not-an-email', false],
    ['hostname', 'example.com', true],
    ['hostname', 'bad_host', false],
    ['ipv4', '10.0.0.1', true],
    ['ipv4', '10.0.0.01', false],
    ['ipv4', '::1', false],
    ['ipv6', '2001:db8::1', true],
    ['ipv6', '::ffff:10.0.0.1', true],
    ['ipv6', '10.0.0.1', false],
    ['cidr', '10.0.0.0/8', true],
    ['cidr', '10.0.0.0/33', false],
    ['cidr', 'fd00::/64', true],
    ['mac', '00:00:5e:00:53:01', true],
    ['mac', '0000.5e00.5301', true],
    ['mac', '00:00:5e:00:53', false],
    ['uri', 'https://example.com/x?y=1', true],
    ['uri', '/absolute/path', true],
    ['uri', 'relative/path', false],
    ['uri', 'mailto:a@b.c', true],
    ['byte', 'aGVsbG8=', true],
    ['byte', '', true],
    ['byte', 'abc', false],
    ['date', '2024-02-29', true],
    ['date', '2023-02-29', false],
    ['date-time', '2024-01-01T10:00:00Z', true],
    ['date-time', '2024-01-01T10:00:00.123+02:00', true],
    ['date-time', '2024-01-01 10:00:00', false],
    ['duration', '1h30m', true],
    ['duration', '3 days', true],
    ['duration', 'soon', false],
    ['quantity', '500m', true],
    ['quantity', '1.5Gi', true],
    ['quantity', '1e3', true],
    ['quantity', '1 Gi', false],
    ['quantity', '1K', false],
    ['k8s-short-name', 'my-name', true],
    ['k8s-short-name', 'My-Name', false],
    ['k8s-long-name', 'a.b-c.d', true],
    ['k8s-long-name', 'a..b', false],
    ['password', 'anything', true],
    ['creditcard', '4111 1111 1111 1111', true],
    ['isbn10', '0-306-40615-2', true],
    ['isbn13', '978-0-306-40615-7', true],
    ['ssn', '123-45-6789', true],
    ['hexcolor', '#fff', true],
    ['rgbcolor', 'rgb(255, 0, 10)', true],
    ['bsonobjectid', '507f1f77bcf86cd799439011', true],
  ];
  for (const [format, value, want] of cases) {
    it(`${format}: ${JSON.stringify(value)} is ${want ? 'valid' : 'invalid'}`, () => {
      expect(stringFormatCheck(format)?.(value)).toBe(want);
    });
  }

  it('keeps only the formats upstream validates for the node type', () => {
    expect(effectiveFormat('date-time', 'string')).toBe('date-time');
    expect(effectiveFormat('my-format', 'string')).toBe('');
    expect(effectiveFormat('int32', 'integer')).toBe('int32');
    expect(effectiveFormat('date', 'integer')).toBe('');
    expect(effectiveFormat('double', 'number')).toBe('double');
    expect(effectiveFormat('uuid', 'object')).toBe('');
  });

  it('parses durations in milliseconds', () => {
    expect(parseFormatDuration('1h30m')).toBe(5_400_000);
    expect(parseFormatDuration('-1.5s')).toBe(-1500);
    expect(parseFormatDuration('300ms')).toBe(300);
    expect(parseFormatDuration('2 weeks 1 day')).toBe(15 * 86_400_000);
  });
});
