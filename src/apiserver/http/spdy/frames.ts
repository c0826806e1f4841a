/**
 * SPDY/3.1 framing, the transport `kubectl port-forward` and `exec` speak to the API server
 * (over the upgraded HTTP/1.1 connection, or tunnelled in WebSocket binary messages by
 * kubectl ≥ 1.31). Frame layouts are the protocol's (draft-mbelshe-httpbis-spdy-00):
 * control frames with a 16-bit type and 24-bit length, data frames with a 31-bit stream id,
 * header blocks of 32-bit length-prefixed names and values compressed with zlib and the
 * protocol's dictionary. Kubernetes' spdystream ignores flow control (it never sends or
 * honours WINDOW_UPDATE), and so does this: TCP is the back-pressure.
 */

export const SPDY_VERSION = 3;

export const FrameType = {
  SynStream: 1,
  SynReply: 2,
  RstStream: 3,
  Settings: 4,
  Ping: 6,
  GoAway: 7,
  Headers: 8,
  WindowUpdate: 9,
} as const;

export const FLAG_FIN = 0x01;

/** RST_STREAM status codes. */
export const RstStatus = {
  ProtocolError: 1,
  InvalidStream: 2,
  RefusedStream: 3,
  Cancel: 5,
  InternalError: 6,
} as const;

/** The largest frame accepted: SPDY's 24-bit length allows 16 MiB; spdystream sends far less. */
export const MAX_FRAME_LENGTH = (1 << 24) - 1;

export type Frame =
  | { kind: 'data'; streamId: number; flags: number; data: Buffer }
  | {
      kind: 'control';
      type: number;
      flags: number;
      /** The frame body after the 8-byte header. */
      body: Buffer;
    };

/**
 * Splits a byte stream into frames. Feed it chunks as they arrive; it returns the complete
 * frames and keeps the rest. Throws on a frame longer than the protocol allows.
 */
export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  push(chunk: Buffer): Frame[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const frames: Frame[] = [];
    while (this.pendingBytes >= 8) {
      const head = this.peek(8);
      const length = head.readUInt32BE(4) & 0xffffff;
      if (this.pendingBytes < 8 + length) break;
      const whole = this.take(8 + length);
      const flags = whole[4] as number;
      const body = whole.subarray(8);
      if ((whole[0] as number) & 0x80) {
        const version = whole.readUInt16BE(0) & 0x7fff;
        if (version !== SPDY_VERSION) throw new Error(`unsupported SPDY version ${version}`);
        frames.push({ kind: 'control', type: whole.readUInt16BE(2), flags, body });
      } else {
        frames.push({
          kind: 'data',
          streamId: whole.readUInt32BE(0) & 0x7fffffff,
          flags,
          data: body,
        });
      }
    }
    return frames;
  }

  private peek(n: number): Buffer {
    const first = this.pending[0] as Buffer;
    if (first.length >= n) return first.subarray(0, n);
    const all = Buffer.concat(this.pending);
    this.pending = [all];
    return all.subarray(0, n);
  }

  private take(n: number): Buffer {
    const all =
      this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes -= n;
    return out;
  }
}

function controlHeader(type: number, flags: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  b.writeUInt16BE(type, 2);
  b.writeUInt32BE(((flags & 0xff) << 24) | (length & 0xffffff), 4);
  return b;
}

export function controlFrame(type: number, flags: number, body: Buffer): Buffer {
  return Buffer.concat([controlHeader(type, flags, body.length), body]);
}

/** The 8-byte header of a data frame; its payload follows unchanged. */
export function dataFrameHeader(streamId: number, flags: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeUInt32BE(streamId & 0x7fffffff, 0);
  b.writeUInt32BE(((flags & 0xff) << 24) | (length & 0xffffff), 4);
  return b;
}

export function u32(...values: number[]): Buffer {
  const b = Buffer.allocUnsafe(4 * values.length);
  values.forEach((v, i) => {
    b.writeUInt32BE(v >>> 0, 4 * i);
  });
  return b;
}

/** An uncompressed header block: count, then each name and value with 32-bit lengths. */
export function encodeHeaderBlock(headers: ReadonlyMap<string, string>): Buffer {
  const parts: Buffer[] = [u32(headers.size)];
  for (const [name, value] of headers) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/** Parses a decompressed header block; several values of one name are NUL-separated. */
export function decodeHeaderBlock(block: Buffer): Map<string, string> {
  const headers = new Map<string, string>();
  if (block.length < 4) throw new Error('short SPDY header block');
  const count = block.readUInt32BE(0);
  let at = 4;
  const read = () => {
    if (at + 4 > block.length) throw new Error('short SPDY header block');
    const len = block.readUInt32BE(at);
    at += 4;
    if (at + len > block.length) throw new Error('short SPDY header block');
    const s = block.subarray(at, at + len).toString('utf8');
    at += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const name = read().toLowerCase();
    headers.set(name, read().split('\0')[0] ?? '');
  }
  return headers;
}
