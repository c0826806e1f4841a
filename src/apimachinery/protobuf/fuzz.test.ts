import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StatusError } from '../status.ts';
import { decodeKubernetesProtobuf } from './decode.ts';
import { KINDS } from './messages.ts';
import { concat, envelope, type Field, messageOf, tag, type Value, varint } from './testing.ts';

/** Messages of random fields: numbers, strings, bytes and nested messages, any field number. */
const field: fc.Memo<Field> = fc.memo(
  (depth) =>
    fc.tuple(
      fc.integer({ min: 1, max: 20 }),
      depth > 2
        ? fc.oneof(fc.integer(), fc.string({ maxLength: 6 }), fc.uint8Array({ maxLength: 8 }))
        : fc.oneof(
            fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
            fc.boolean(),
            fc.string({ maxLength: 6 }),
            fc.uint8Array({ maxLength: 8 }),
            fc.array(field(depth + 1), { maxLength: 4 }) as fc.Arbitrary<Value>,
          ),
    ) as fc.Arbitrary<Field>,
);

/** A field with a wire type the message may not expect (fixed64, fixed32, groups). */
const oddField = fc
  .tuple(
    fc.integer({ min: 1, max: 20 }),
    fc.constantFrom(1, 3, 4, 5, 6, 7),
    fc.uint8Array({ maxLength: 9 }),
  )
  .map(([no, wire, bytes]) => concat(tag(no, wire), bytes));

const kinds = Object.entries(KINDS).flatMap(([apiVersion, byKind]) =>
  Object.keys(byKind).map((kind) => ({ apiVersion, kind })),
);

/** Decoding refuses with a 400 Status or gives a JSON object; nothing else escapes. */
function decodesOrRefuses(body: Uint8Array): void {
  try {
    const obj = decodeKubernetesProtobuf(body);
    expect(JSON.parse(JSON.stringify(obj))).toEqual(obj);
  } catch (err) {
    if (!(err instanceof StatusError)) throw err;
    expect(err.code).toBe(400);
  }
}

describe('protobuf decoding of hostile bodies', () => {
  it('answers random messages of every supported kind with an object or a 400', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.array(field(0), { maxLength: 6 }),
        fc.array(oddField, { maxLength: 1 }),
        ({ apiVersion, kind }, fields, odd) => {
          decodesOrRefuses(envelope(apiVersion, kind, concat(messageOf(fields), ...odd)));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('answers random bytes, with or without the envelope magic, with a 400', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 80 }), (magic, bytes) => {
        decodesOrRefuses(magic ? concat(Uint8Array.from([0x6b, 0x38, 0x73, 0]), bytes) : bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses lengths and varints that run past the end', () => {
    for (const kind of kinds) {
      decodesOrRefuses(envelope(kind.apiVersion, kind.kind, concat(tag(1, 2), varint(2n ** 40n))));
      decodesOrRefuses(envelope(kind.apiVersion, kind.kind, Uint8Array.from([0x08, 0xff, 0xff])));
    }
  });
});
