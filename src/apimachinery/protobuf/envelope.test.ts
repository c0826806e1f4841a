import { describe, expect, it } from 'vitest';
import { StatusError } from '../status.ts';
import { decodeKubernetesProtobuf } from './decode.ts';
import { decodeEnvelope, hasProtobufMagic, PROTOBUF_MAGIC } from './envelope.ts';
import { concat, envelope, fromHex, message } from './testing.ts';

function errorOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw new Error(`expected a StatusError, got ${String(err)}`);
  }
  throw new Error('expected an error');
}

// `kubectl create namespace ns1`, as kubectl 1.33 sent it.
const NAMESPACE =
  '6b3873000a0f0a02763112094e616d657370616365121b0a130a036e733112001a0022002a00320038004200' +
  '12001a020a001a002200';

// `kubectl create deployment d1 --image=nginx`, as kubectl 1.33 sent it.
const DEPLOYMENT =
  '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412a7010a1d0a02643112001a0022002a00' +
  '320038004200' +
  '5a090a036170701202643112780801120b0a090a03617070120264311a5f0a1b0a0012001a0022002a003200' +
  '380042005a090a036170701202643112401222' +
  '0a056e67696e7812056e67696e782a0042006a007200800100880100900100a201001a00320042004a005200' +
  '5800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200';

describe('decodeEnvelope', () => {
  it('splits a kubectl body into type, raw object and encodings', () => {
    const env = decodeEnvelope(fromHex(NAMESPACE));
    expect(env.apiVersion).toBe('v1');
    expect(env.kind).toBe('Namespace');
    expect(env.contentEncoding).toBe('');
    expect(env.contentType).toBe('');
    expect(Buffer.from(env.raw).toString('hex')).toBe(
      '0a130a036e733112001a0022002a0032003800420012001a020a00',
    );
  });

  it('rejects a body without the k8s\\0 prefix, such as JSON', () => {
    for (const body of ['{"kind":"Namespace"}', 'k8s', 'k8s\x01', '']) {
      const err = errorOf(() => decodeEnvelope(new TextEncoder().encode(body)));
      expect(err.code).toBe(400);
      expect(err.message).toBe(
        'unable to decode protobuf: the body does not start with the Kubernetes protobuf prefix "k8s\\x00"',
      );
    }
    expect(hasProtobufMagic(PROTOBUF_MAGIC)).toBe(true);
  });

  it('merges repeated typeMeta fields and keeps the last scalar', () => {
    const body = concat(
      PROTOBUF_MAGIC,
      message([1, [[1, 'v1']]], [1, [[2, 'ConfigMap']]], [2, Uint8Array.of(0x0a, 0x00)], [99, 7]),
    );
    expect(decodeEnvelope(body)).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });
    expect(decodeKubernetesProtobuf(body)).toEqual({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { creationTimestamp: null },
    });
  });

  it('rejects envelope fields on the wrong wire type', () => {
    const body = concat(PROTOBUF_MAGIC, message([2, 5]));
    expect(errorOf(() => decodeEnvelope(body)).message).toBe(
      'unable to decode protobuf: wrong wire type 0 for field raw of runtime.Unknown',
    );
  });
});

describe('decodeKubernetesProtobuf and the envelope', () => {
  it('names the kind it cannot decode', () => {
    const err = errorOf(() => decodeKubernetesProtobuf(fromHex(DEPLOYMENT)));
    expect(err.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
    expect(err.message).toBe(
      'unable to decode protobuf: kind Deployment in apps/v1 is not supported; send JSON',
    );
  });

  it('fills an empty apiVersion or kind from the defaults, as upstream fills them from the URL', () => {
    const raw = message([1, [[1, 'x']]]);
    const err = errorOf(() => decodeKubernetesProtobuf(envelope('', '', raw)));
    expect(err.message).toBe(
      'unable to decode protobuf: the envelope does not name the apiVersion and kind of the object',
    );
    expect(
      decodeKubernetesProtobuf(envelope('', '', raw), { apiVersion: 'v1', kind: 'Namespace' }),
    ).toEqual({
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: { name: 'x', creationTimestamp: null },
      spec: {},
      status: {},
    });
    expect(
      decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', raw), { kind: 'Namespace' }).kind,
    ).toBe('ConfigMap');
  });

  it('rejects a content encoding it cannot undo', () => {
    const body = concat(
      PROTOBUF_MAGIC,
      message(
        [
          1,
          [
            [1, 'v1'],
            [2, 'ConfigMap'],
          ],
        ],
        [3, 'gzip'],
      ),
    );
    expect(errorOf(() => decodeKubernetesProtobuf(body)).message).toBe(
      'unable to decode protobuf: content encoding "gzip" is not supported',
    );
  });

  it('decodes an envelope without raw as the empty object', () => {
    const body = concat(
      PROTOBUF_MAGIC,
      message([
        1,
        [
          [1, 'v1'],
          [2, 'ServiceAccount'],
        ],
      ]),
    );
    expect(decodeKubernetesProtobuf(body)).toEqual({
      kind: 'ServiceAccount',
      apiVersion: 'v1',
      metadata: { creationTimestamp: null },
    });
  });
});
