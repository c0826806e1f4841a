import { describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf, isProtobuf, PROTOBUF_CONTENT_TYPE } from './index.ts';
import { envelope, message } from './testing.ts';

describe('isProtobuf', () => {
  it('recognises the Kubernetes protobuf media type, parameters and case aside', () => {
    expect(PROTOBUF_CONTENT_TYPE).toBe('application/vnd.kubernetes.protobuf');
    expect(isProtobuf('application/vnd.kubernetes.protobuf')).toBe(true);
    expect(isProtobuf('Application/VND.Kubernetes.Protobuf; charset=binary')).toBe(true);
    expect(isProtobuf(' application/vnd.kubernetes.protobuf ;x=y')).toBe(true);
  });

  it('rejects other types, the watch-stream variant and a missing header', () => {
    for (const type of [
      'application/json',
      'application/vnd.kubernetes.protobuf+json',
      'application/vnd.kubernetes.protobuf;stream=watch',
      'application/vnd.kubernetes.protobuf; stream = watch',
      'application/cbor',
      '',
      undefined,
      null,
    ]) {
      expect(isProtobuf(type), String(type)).toBe(false);
    }
  });
});

it('exports the decoder', () => {
  expect(decodeKubernetesProtobuf(envelope('v1', 'Secret', message([3, 'Opaque'])))).toEqual({
    kind: 'Secret',
    apiVersion: 'v1',
    metadata: { creationTimestamp: null },
    type: 'Opaque',
  });
});
