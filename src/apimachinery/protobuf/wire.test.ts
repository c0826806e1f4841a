import { describe, expect, it } from 'vitest';
import { StatusError } from '../status.ts';
import { concat, lengthDelimited, tag, varint } from './testing.ts';
import { decodeUtf8, MAX_GROUP_DEPTH, WireReader } from './wire.ts';

function errorOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw new Error(`expected a StatusError, got ${String(err)}`);
  }
  throw new Error('expected an error');
}

const reader = (...bytes: number[]) => new WireReader(Uint8Array.from(bytes));

describe('varints', () => {
  it('reads one- and multi-byte values', () => {
    expect(reader(0x00).uint64()).toBe(0n);
    expect(reader(0x7f).uint64()).toBe(127n);
    expect(reader(0xac, 0x02).uint64()).toBe(300n);
    expect(new WireReader(varint(2n ** 63n)).uint64()).toBe(2n ** 63n);
    expect(new WireReader(varint(-1)).uint64()).toBe(2n ** 64n - 1n);
  });

  it('drops bits beyond the 64th of a 10-byte varint, as Go does', () => {
    const bytes = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
    expect(reader(...bytes).uint64()).toBe(2n ** 64n - 1n);
  });

  it('rejects varints longer than 10 bytes and truncated ones', () => {
    const eleven = Array.from({ length: 10 }, () => 0x80).concat([0x01]);
    expect(errorOf(() => reader(...eleven).uint64()).message).toBe(
      'unable to decode protobuf: varint is longer than 10 bytes',
    );
    const err = errorOf(() => reader(0x80, 0x80).uint64());
    expect(err.code).toBe(400);
    expect(err.message).toMatch(/^unable to decode protobuf: unexpected end of message/);
  });
});

describe('tags', () => {
  it('splits field number and wire type', () => {
    expect(new WireReader(tag(17, 2)).tag()).toEqual({ field: 17, wireType: 2 });
    expect(new WireReader(tag(536_870_911, 5)).tag()).toEqual({
      field: 536_870_911,
      wireType: 5,
    });
  });

  it('rejects field 0, field numbers beyond 2^29-1 and wire types 6 and 7', () => {
    expect(errorOf(() => reader(0x02).tag()).message).toMatch(/illegal field number 0/);
    expect(errorOf(() => new WireReader(tag(2 ** 29, 0)).tag()).message).toMatch(
      /illegal field number 536870912/,
    );
    expect(errorOf(() => reader(0x0e).tag()).message).toMatch(/illegal wire type 6/);
    expect(errorOf(() => reader(0x0f).tag()).message).toMatch(/illegal wire type 7/);
    expect(errorOf(() => new WireReader(varint(2n ** 60n)).tag()).message).toMatch(/too large/);
  });
});

describe('length-delimited fields', () => {
  it('returns a view of exactly the payload', () => {
    const r = new WireReader(concat(varint(3), Uint8Array.of(1, 2, 3, 4)));
    expect([...r.bytes()]).toEqual([1, 2, 3]);
    expect(r.done).toBe(false);
  });

  it('never reads past the end of its message, even inside a larger buffer', () => {
    const buf = Uint8Array.of(0x05, 1, 2, 3, 4, 5);
    expect(errorOf(() => new WireReader(buf, 0, 4).bytes()).message).toMatch(
      /length-delimited field needs 5 bytes at offset 1 but the message has 3 left/,
    );
  });

  it('rejects huge length prefixes without allocating', () => {
    for (const len of [2n ** 31n, 2n ** 52n, 2n ** 63n]) {
      expect(() => new WireReader(concat(varint(len), Uint8Array.of(1))).bytes()).toThrow(
        StatusError,
      );
    }
  });
});

describe('skipping unknown fields', () => {
  it('skips every wire type', () => {
    const buf = concat(
      tag(1, 0),
      varint(-1),
      tag(2, 1),
      new Uint8Array(8),
      lengthDelimited(3, Uint8Array.of(9, 9)),
      tag(4, 5),
      new Uint8Array(4),
      tag(5, 3),
      tag(6, 0),
      varint(1),
      tag(7, 3),
      tag(7, 4),
      tag(5, 4),
    );
    const r = new WireReader(buf);
    while (!r.done) r.skip(r.tag());
    expect(r.position).toBe(buf.length);
  });

  it('rejects truncated fixed fields, stray end-group tags and unterminated groups', () => {
    const skipAll = (buf: Uint8Array) => () => {
      const r = new WireReader(buf);
      while (!r.done) r.skip(r.tag());
    };
    expect(errorOf(skipAll(concat(tag(1, 1), new Uint8Array(7)))).message).toMatch(/fixed64/);
    expect(errorOf(skipAll(concat(tag(1, 5), new Uint8Array(3)))).message).toMatch(/fixed32/);
    expect(errorOf(skipAll(tag(1, 4))).message).toMatch(/unexpected end-group tag/);
    expect(errorOf(skipAll(concat(tag(1, 3), tag(2, 0), varint(1)))).message).toMatch(
      /unexpected end of message/,
    );
  });

  it('limits group nesting', () => {
    const deep = concat(...Array.from({ length: MAX_GROUP_DEPTH + 1 }, () => tag(1, 3)));
    const r = new WireReader(deep);
    expect(errorOf(() => r.skip(r.tag())).message).toMatch(/groups nested more than 100 deep/);
  });
});

describe('decodeUtf8', () => {
  const bytes = (...b: number[]) => Uint8Array.from(b);

  it('decodes valid UTF-8 and keeps a leading byte-order mark', () => {
    expect(decodeUtf8(new TextEncoder().encode('héllo ✓ 🚀'))).toBe('héllo ✓ 🚀');
    expect(decodeUtf8(bytes(0xef, 0xbb, 0xbf, 0x61))).toBe('\uFEFFa');
  });

  it('replaces each invalid byte with U+FFFD, as Go JSON-encodes an invalid string', () => {
    expect(decodeUtf8(bytes(0x61, 0xff, 0x62))).toBe('a\uFFFDb');
    // A truncated 3-byte sequence: two invalid bytes (WHATWG would give one U+FFFD).
    expect(decodeUtf8(bytes(0xe2, 0x82, 0x61))).toBe('\uFFFD\uFFFDa');
    // An encoded UTF-16 surrogate and an overlong '/' are invalid byte by byte.
    expect(decodeUtf8(bytes(0xed, 0xa0, 0x80))).toBe('\uFFFD\uFFFD\uFFFD');
    expect(decodeUtf8(bytes(0xc0, 0xaf))).toBe('\uFFFD\uFFFD');
    expect(decodeUtf8(bytes(0xf0, 0x9f, 0x9a, 0x80, 0xf4, 0x90, 0x80, 0x80))).toBe(
      '🚀\uFFFD\uFFFD\uFFFD\uFFFD',
    );
  });
});
