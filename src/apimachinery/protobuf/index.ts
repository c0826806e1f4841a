/**
 * Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`), which kubectl
 * ≥ 1.32 sends for typed commands: the media type, its recognition, and the decoder that
 * turns such a body into the JSON object a JSON body would have carried.
 */
export {
  decodeKubernetesProtobuf,
  decodeObject,
  formatGoDuration,
  formatTime,
  type ProtobufDefaults,
} from './decode.ts';
export { decodeEnvelope, type Envelope, hasProtobufMagic, PROTOBUF_MAGIC } from './envelope.ts';
export { KINDS, messageForKind } from './messages.ts';
export { protobufError } from './wire.ts';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

/**
 * True when a Content-Type header names the Kubernetes protobuf media type (parameters and
 * case aside). The watch-stream variant (`;stream=watch`) is a response type, not a body.
 */
export function isProtobuf(contentType: string | undefined | null): boolean {
  if (!contentType) return false;
  const [type = '', ...params] = contentType.split(';');
  if (type.trim().toLowerCase() !== PROTOBUF_CONTENT_TYPE) return false;
  return !params.some(
    (p) =>
      p
        .trim()
        .toLowerCase()
        .replace(/\s*=\s*/, '=') === 'stream=watch',
  );
}
