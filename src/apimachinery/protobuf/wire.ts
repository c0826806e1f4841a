/**
 * The protobuf wire format, read side: tags, varints (full 64-bit, as BigInt),
 * length-delimited fields, fixed32/fixed64 and groups to skip. Every read is bounds-checked
 * against the message it belongs to, every loop consumes input, and malformed input ends in a
 * 400 `unable to decode protobuf: …` Status — never an out-of-bounds read, a hang or a
 * RangeError. Strings decode as Go does when its JSON encoder later writes them: each byte
 * that is not part of valid UTF-8 becomes U+FFFD.
 */
import { badRequest, type StatusError } from '../status.ts';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

export type WireType = 0 | 1 | 2 | 3 | 4 | 5;

/** The largest field number protobuf allows (2^29 - 1). */
export const MAX_FIELD_NUMBER = 536_870_911;
/** How deeply groups (wire types 3/4) may nest inside an unknown field being skipped. */
export const MAX_GROUP_DEPTH = 100;

const MAX_VARINT_BYTES = 10;

/** The 400 every decoding failure in this folder becomes. */
export function protobufError(detail: string): StatusError {
  return badRequest(`unable to decode protobuf: ${detail}`);
}

export interface Tag {
  readonly field: number;
  readonly wireType: WireType;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * UTF-8 to a JS string the way Go's encoding/json sees a Go string: valid sequences decode,
 * and every byte that does not start a valid sequence becomes one U+FFFD (utf8.DecodeRune
 * reports such a byte as RuneError of width 1). Valid input takes the fast path.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return decodeUtf8Lossy(bytes);
  }
}

function decodeUtf8Lossy(b: Uint8Array): string {
  let out = '';
  let i = 0;
  const cont = (k: number): boolean => k < b.length && ((b[k] ?? 0) & 0xc0) === 0x80;
  while (i < b.length) {
    const c = b[i] ?? 0;
    let cp = -1;
    let width = 1;
    if (c < 0x80) {
      cp = c;
    } else if (c >= 0xc2 && c <= 0xdf && cont(i + 1)) {
      cp = ((c & 0x1f) << 6) | ((b[i + 1] ?? 0) & 0x3f);
      width = 2;
    } else if (c >= 0xe0 && c <= 0xef && cont(i + 1) && cont(i + 2)) {
      const v = ((c & 0x0f) << 12) | (((b[i + 1] ?? 0) & 0x3f) << 6) | ((b[i + 2] ?? 0) & 0x3f);
      // Overlong forms and UTF-16 surrogates are invalid in UTF-8.
      if (v >= 0x800 && (v < 0xd800 || v > 0xdfff)) {
        cp = v;
        width = 3;
      }
    } else if (c >= 0xf0 && c <= 0xf4 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
      const v =
        ((c & 0x07) << 18) |
        (((b[i + 1] ?? 0) & 0x3f) << 12) |
        (((b[i + 2] ?? 0) & 0x3f) << 6) |
        ((b[i + 3] ?? 0) & 0x3f);
      if (v >= 0x10000 && v <= 0x10ffff) {
        cp = v;
        width = 4;
      }
    }
    out += cp < 0 ? '\uFFFD' : String.fromCodePoint(cp);
    i += cp < 0 ? 1 : width;
  }
  return out;
}

/**
 * A cursor over one message: `buf[start, end)`. Nested messages get their own reader over
 * the sub-range a length-delimited field returned, so no read can cross into a parent.
 */
export class WireReader {
  readonly #buf: Uint8Array;
  readonly #end: number;
  #pos: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    if (!(start >= 0 && start <= end && end <= buf.length)) {
      throw new RangeError(`WireReader: bad range [${start}, ${end}) of ${buf.length} bytes`);
    }
    this.#buf = buf;
    this.#pos = start;
    this.#end = end;
  }

  /** True once every byte of the message has been consumed. */
  get done(): boolean {
    return this.#pos >= this.#end;
  }

  get position(): number {
    return this.#pos;
  }

  #need(n: number, what: string): void {
    if (n > this.#end - this.#pos) {
      throw protobufError(
        `${what} needs ${n} bytes at offset ${this.#pos} but the message has ${this.#end - this.#pos} left`,
      );
    }
  }

  #byte(what: string): number {
    if (this.#pos >= this.#end) {
      throw protobufError(`unexpected end of message in ${what} at offset ${this.#pos}`);
    }
    return this.#buf[this.#pos++] ?? 0;
  }

  /**
   * A varint as an unsigned 64-bit value. Ten bytes at most; like Go's generated decoders,
   * bits beyond the 64th are dropped rather than rejected.
   */
  uint64(): bigint {
    const first = this.#byte('varint');
    if (first < 0x80) return BigInt(first);
    let result = BigInt(first & 0x7f);
    let shift = 7n;
    for (let i = 1; i < MAX_VARINT_BYTES; i++) {
      const b = this.#byte('varint');
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw protobufError('varint is longer than 10 bytes');
  }

  /** A varint that must fit a safe JS integer: tags and lengths. */
  #smallVarint(what: string): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      const b = this.#byte(what);
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) throw protobufError(`${what} ${result} is too large`);
        return result;
      }
      mul *= 128;
    }
    throw protobufError(`${what} varint is longer than 10 bytes`);
  }

  /** The next field's number and wire type. */
  tag(): Tag {
    const at = this.#pos;
    const key = this.#smallVarint('tag');
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (field < 1 || field > MAX_FIELD_NUMBER) {
      throw protobufError(`illegal field number ${field} at offset ${at}`);
    }
    if (wireType > 5) throw protobufError(`illegal wire type ${wireType} at offset ${at}`);
    return { field, wireType: wireType as WireType };
  }

  /** A length-delimited field's payload: a view into the buffer, not a copy. */
  bytes(): Uint8Array {
    const len = this.#smallVarint('length');
    this.#need(len, 'length-delimited field');
    const out = this.#buf.subarray(this.#pos, this.#pos + len);
    this.#pos += len;
    return out;
  }

  string(): string {
    return decodeUtf8(this.bytes());
  }

  /** Skips the value of a field that was read with `tag()` and is not wanted. */
  skip(tag: Tag): void {
    switch (tag.wireType) {
      case WIRE_VARINT:
        this.uint64();
        return;
      case WIRE_FIXED64:
        this.#need(8, 'fixed64 field');
        this.#pos += 8;
        return;
      case WIRE_BYTES:
        this.bytes();
        return;
      case WIRE_FIXED32:
        this.#need(4, 'fixed32 field');
        this.#pos += 4;
        return;
      case WIRE_START_GROUP:
        this.#skipGroup();
        return;
      case WIRE_END_GROUP:
        throw protobufError(`unexpected end-group tag for field ${tag.field}`);
    }
  }

  /** Skips a group up to its end tag, iteratively, counting nesting as Go's skipGenerated. */
  #skipGroup(): void {
    let depth = 1;
    while (depth > 0) {
      const inner = this.tag();
      if (inner.wireType === WIRE_START_GROUP) {
        depth++;
        if (depth > MAX_GROUP_DEPTH) {
          throw protobufError(`groups nested more than ${MAX_GROUP_DEPTH} deep`);
        }
      } else if (inner.wireType === WIRE_END_GROUP) {
        depth--;
      } else {
        this.skip(inner);
      }
    }
  }
}
