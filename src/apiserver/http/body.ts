/**
 * Request bodies: read with a size limit (413 beyond 3 MiB, as upstream), decoded from
 * JSON or YAML with a nesting limit, so malformed, huge or deeply nested input ends in a
 * 4xx Status and never reaches code that could be hurt by it; YAML is decoded off the
 * event loop, so no body stalls other requests.
 */
import type { IncomingMessage } from 'node:http';
import { isJsonObject, type JsonValue } from '../../apimachinery/meta.ts';
import {
  decodeKubernetesProtobuf,
  isProtobuf,
  PROTOBUF_CONTENT_TYPE,
} from '../../apimachinery/protobuf/index.ts';
import {
  badRequest,
  requestEntityTooLarge,
  unsupportedMediaType,
} from '../../apimachinery/status.ts';
import { contentType } from './negotiation.ts';
import { decodeYamlOffThread } from './yaml-decode.ts';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;
export const MAX_NESTING = 1000;

/**
 * Bodies already read, by request: a write decided again (its first decision was made on a
 * view that changed, see the pipeline) reads its body a second time.
 */
const bodies = new WeakMap<IncomingMessage, Promise<Buffer>>();

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  let body = bodies.get(req);
  if (!body) {
    body = readOnce(req, limit);
    bodies.set(req, body);
  }
  return body;
}

function readOnce(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(requestEntityTooLarge(limit));
  }
  // Stream events rather than an async iterator: every write reads a body, and the
  // iterator costs more than the small body it carries.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done();
        req.resume();
        reject(requestEntityTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const onClose = () => {
      done();
      const err: NodeJS.ErrnoException = new Error('Premature close');
      err.code = 'ERR_STREAM_PREMATURE_CLOSE';
      reject(err);
    };
    if (req.readableEnded) return resolve(Buffer.alloc(0));
    if (req.destroyed) return onClose();
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Deepest nesting of arrays and objects in JSON text, counted without parsing it. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

export function parseJson(text: string): JsonValue {
  if (jsonDepth(text) > MAX_NESTING) {
    throw badRequest(`the object is nested too deeply (more than ${MAX_NESTING} levels)`);
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (err) {
    throw badRequest(`error decoding JSON: ${(err as Error).message}`);
  }
}

/**
 * A YAML (or JSON) body as a JSON value. JSON, which most clients send even as YAML, is
 * parsed here; anything else is decoded off the event loop (`yaml-decode.ts`).
 */
export async function parseYaml(text: string): Promise<JsonValue> {
  const start = text.trimStart()[0];
  if (start === '{' || start === '[') {
    try {
      return parseJson(text);
    } catch {
      // Not JSON after all (a flow mapping in YAML): decode it as YAML below.
    }
  }
  let json: string;
  try {
    json = await decodeYamlOffThread(text);
  } catch (err) {
    throw badRequest(`error decoding YAML: ${(err as Error).message}`);
  }
  return parseJson(json);
}

const DECODABLE = ['application/json', 'application/yaml', PROTOBUF_CONTENT_TYPE];

/**
 * Decodes a create or update body into an object. kubectl 1.32+ sends built-in kinds as
 * Kubernetes protobuf; the endpoint's apiVersion and kind fill an envelope that omits them.
 */
export async function decodeObjectBody(
  body: Buffer,
  contentTypeHeader: string | undefined,
  endpoint?: { apiVersion: string; kind: string },
): Promise<Record<string, unknown>> {
  const type = contentType(contentTypeHeader) || 'application/json';
  let value: JsonValue;
  if (isProtobuf(type)) value = decodeKubernetesProtobuf(body, endpoint);
  else if (type === 'application/json') value = parseJson(body.toString('utf8'));
  else if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') {
    value = await parseYaml(body.toString('utf8'));
  } else throw unsupportedMediaType(type, DECODABLE);
  if (!isJsonObject(value)) {
    throw badRequest("Object 'Kind' is missing in the request body: expected a JSON object");
  }
  return value;
}
