/**
 * The Kubernetes protobuf envelope (k8s.io/apimachinery/pkg/runtime/serializer/protobuf):
 * the four magic bytes `k8s\0` followed by a runtime.Unknown message —
 * typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2 (the object's own message),
 * contentEncoding = 3, contentType = 4. This module unwraps it; what `raw` means is
 * decode.ts's business.
 */
import { protobufError, type Tag, WIRE_BYTES, WireReader, type WireType } from './wire.ts';

/** `k8s` followed by a zero byte. */
export const PROTOBUF_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

/** runtime.Unknown, flattened. */
export interface Envelope {
  readonly apiVersion: string;
  readonly kind: string;
  /** The object's message bytes (a view into the body). */
  readonly raw: Uint8Array;
  readonly contentEncoding: string;
  readonly contentType: string;
}

/** True when `body` starts with the envelope's magic bytes. */
export function hasProtobufMagic(body: Uint8Array): boolean {
  return body.length >= PROTOBUF_MAGIC.length && PROTOBUF_MAGIC.every((b, i) => body[i] === b);
}

const expect = (tag: Tag, wireType: WireType, name: string): void => {
  if (tag.wireType !== wireType) {
    throw protobufError(`wrong wire type ${tag.wireType} for field ${name} of runtime.Unknown`);
  }
};

/**
 * Splits a request body into the envelope's fields. Repeated fields merge as protobuf says
 * (for typeMeta, field by field; for scalars, the last one wins); unknown fields are skipped.
 */
export function decodeEnvelope(body: Uint8Array): Envelope {
  if (!hasProtobufMagic(body)) {
    throw protobufError('the body does not start with the Kubernetes protobuf prefix "k8s\\x00"');
  }
  let apiVersion = '';
  let kind = '';
  let raw: Uint8Array = new Uint8Array(0);
  let contentEncoding = '';
  let contentType = '';
  const r = new WireReader(body, PROTOBUF_MAGIC.length);
  while (!r.done) {
    const tag = r.tag();
    switch (tag.field) {
      case 1: {
        expect(tag, WIRE_BYTES, 'typeMeta');
        const tm = new WireReader(r.bytes());
        while (!tm.done) {
          const t = tm.tag();
          if (t.field === 1) {
            expect(t, WIRE_BYTES, 'typeMeta.apiVersion');
            apiVersion = tm.string();
          } else if (t.field === 2) {
            expect(t, WIRE_BYTES, 'typeMeta.kind');
            kind = tm.string();
          } else {
            tm.skip(t);
          }
        }
        break;
      }
      case 2:
        expect(tag, WIRE_BYTES, 'raw');
        raw = r.bytes();
        break;
      case 3:
        expect(tag, WIRE_BYTES, 'contentEncoding');
        contentEncoding = r.string();
        break;
      case 4:
        expect(tag, WIRE_BYTES, 'contentType');
        contentType = r.string();
        break;
      default:
        r.skip(tag);
    }
  }
  return { apiVersion, kind, raw, contentEncoding, contentType };
}
