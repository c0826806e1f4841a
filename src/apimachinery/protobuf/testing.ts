/**
 * Test support for this folder: a minimal protobuf writer to build bodies by hand (kinds no
 * kubectl command sends, edge cases, malformed input). Not used by the decoder itself.
 */
import { PROTOBUF_MAGIC } from './envelope.ts';

/** A field value: varint (number/bigint/boolean), string, bytes, or a nested message. */
export type Value = number | bigint | boolean | string | Uint8Array | readonly Field[];
export type Field = readonly [no: number, value: Value];

/** An unsigned varint; negative numbers are written as 64-bit two's complement (10 bytes). */
export function varint(value: number | bigint): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? b | 0x80 : b);
  } while (v > 0n);
  return Uint8Array.from(out);
}

export function tag(no: number, wireType: number): Uint8Array {
  return varint(BigInt(no) * 8n + BigInt(wireType));
}

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  return concatAll(parts);
}

function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A length-delimited field carrying `payload` exactly. */
export function lengthDelimited(no: number, payload: Uint8Array): Uint8Array {
  return concat(tag(no, 2), varint(payload.length), payload);
}

/** A message from fields in the order given (repeat a number to repeat a field). */
export function message(...fields: readonly Field[]): Uint8Array {
  return messageOf(fields);
}

/** `message` for a list too long to spread into arguments. */
export function messageOf(fields: readonly Field[]): Uint8Array {
  return concatAll(
    fields.map(([no, v]) => {
      if (typeof v === 'number' || typeof v === 'bigint') return concat(tag(no, 0), varint(v));
      if (typeof v === 'boolean') return concat(tag(no, 0), varint(v ? 1 : 0));
      if (typeof v === 'string') return lengthDelimited(no, new TextEncoder().encode(v));
      if (v instanceof Uint8Array) return lengthDelimited(no, v);
      return lengthDelimited(no, messageOf(v));
    }),
  );
}

/** A map<string, V> field as repeated {key = 1, value = 2} entries. */
export function mapEntries(no: number, entries: Readonly<Record<string, Value>>): Field[] {
  return Object.entries(entries).map(
    ([k, v]): Field => [
      no,
      [
        [1, k],
        [2, v],
      ],
    ],
  );
}

/** The Kubernetes envelope around an object message. */
export function envelope(apiVersion: string, kind: string, raw: Uint8Array): Uint8Array {
  return concat(
    PROTOBUF_MAGIC,
    message(
      [
        1,
        [
          [1, apiVersion],
          [2, kind],
        ],
      ],
      [2, raw],
      [3, ''],
      [4, ''],
    ),
  );
}

export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}
