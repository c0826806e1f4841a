/**
 * The server side of a SPDY/3.1 connection, as Kubernetes' spdystream speaks it: the client
 * opens streams (SYN_STREAM with headers such as `streamtype`, `port`, `requestid`), the
 * server accepts each with an empty SYN_REPLY or refuses it with RST_STREAM, and both send
 * DATA with FIN to half-close. PINGs are echoed. Each stream is a Node Duplex: what the
 * client sends is readable, what is written goes out as DATA frames, `end()` sends FIN.
 * There is no SPDY flow control (spdystream has none); a stream whose reader falls behind
 * pauses the whole connection, as spdystream's blocked frame reader does.
 */
import { Duplex } from 'node:stream';
import {
  controlFrame,
  dataFrameHeader,
  decodeHeaderBlock,
  encodeHeaderBlock,
  FLAG_FIN,
  type Frame,
  FrameReader,
  FrameType,
  RstStatus,
  u32,
} from './frames.ts';
import { HeaderCompression } from './header-compression.ts';

const EMPTY = Buffer.alloc(0);

export class SpdyStream extends Duplex {
  readonly id: number;
  readonly headers: ReadonlyMap<string, string>;
  private readonly conn: SpdyConnection;
  /** The client sent FIN or RST: nothing more will arrive. */
  remoteClosed = false;
  /** FIN or RST went out. */
  localClosed = false;

  constructor(conn: SpdyConnection, id: number, headers: ReadonlyMap<string, string>) {
    super({ allowHalfOpen: true });
    this.conn = conn;
    this.id = id;
    this.headers = headers;
  }

  override _read(): void {
    this.conn.resumeReading();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.conn.sendData(this.id, chunk, 0, done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.localClosed = true;
    this.conn.sendData(this.id, EMPTY, FLAG_FIN, done);
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    if (!this.localClosed || !this.remoteClosed) {
      this.localClosed = true;
      this.conn.sendReset(this.id, RstStatus.Cancel);
    }
    this.conn.forget(this.id);
    done(err);
  }
}

export interface SpdyConnectionOptions {
  /**
   * Decides on a new stream: return normally to accept it (the stream is then handed out),
   * throw to refuse it with RST_STREAM.
   */
  readonly accept: (headers: ReadonlyMap<string, string>) => void;
  readonly onStream: (stream: SpdyStream) => void;
  readonly onClose?: () => void;
}

export class SpdyConnection {
  private readonly socket: Duplex;
  private readonly options: SpdyConnectionOptions;
  private readonly reader = new FrameReader();
  private readonly compression = new HeaderCompression();
  private readonly streams = new Map<number, SpdyStream>();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(socket: Duplex, options: SpdyConnectionOptions) {
    this.socket = socket;
    this.options = options;
    socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = this.reader.push(chunk);
      } catch {
        this.close();
        return;
      }
      for (const frame of frames) {
        this.queue = this.queue.then(() => this.handle(frame)).catch(() => this.close());
      }
    });
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
    socket.on('end', () => this.close());
  }

  /** Streams currently open. */
  get size(): number {
    return this.streams.size;
  }

  resumeReading(): void {
    if (!this.closed) this.socket.resume();
  }

  sendData(id: number, data: Buffer, flags: number, done: (err?: Error | null) => void): void {
    if (this.closed) {
      done(new Error('connection closed'));
      return;
    }
    const frame = Buffer.concat([dataFrameHeader(id, flags, data.length), data]);
    if (this.socket.write(frame)) done();
    else this.socket.once('drain', () => done());
  }

  sendReset(id: number, status: number): void {
    if (!this.closed) this.socket.write(controlFrame(FrameType.RstStream, 0, u32(id, status)));
  }

  forget(id: number): void {
    this.streams.delete(id);
  }

  /** Ends every stream and the connection. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const stream of this.streams.values()) {
      stream.remoteClosed = true;
      stream.localClosed = true;
      stream.destroy();
    }
    this.streams.clear();
    this.compression.close();
    this.socket.destroy();
    this.options.onClose?.();
  }

  private async handle(frame: Frame): Promise<void> {
    if (this.closed) return;
    if (frame.kind === 'data') return this.onData(frame.streamId, frame.flags, frame.data);
    const body = frame.body;
    switch (frame.type) {
      case FrameType.SynStream: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaderBlock(await this.compression.inflate(body.subarray(10)));
        return this.onSynStream(id, frame.flags, headers);
      }
      case FrameType.Headers:
      case FrameType.SynReply:
        // Keep the zlib context in step; the server needs nothing from these.
        await this.compression.inflate(body.subarray(4));
        return;
      case FrameType.RstStream: {
        const stream = this.streams.get(body.readUInt32BE(0) & 0x7fffffff);
        if (stream) {
          stream.remoteClosed = true;
          stream.localClosed = true;
          stream.destroy();
        }
        return;
      }
      case FrameType.Ping:
        this.socket.write(controlFrame(FrameType.Ping, 0, body.subarray(0, 4)));
        return;
      case FrameType.GoAway:
        this.close();
        return;
      default:
        // SETTINGS and WINDOW_UPDATE: spdystream's peers have no flow control to honour.
        return;
    }
  }

  private async onSynStream(id: number, flags: number, headers: Map<string, string>) {
    if (this.streams.has(id)) return this.sendReset(id, RstStatus.ProtocolError);
    try {
      this.options.accept(headers);
    } catch {
      return this.sendReset(id, RstStatus.RefusedStream);
    }
    const stream = new SpdyStream(this, id, headers);
    this.streams.set(id, stream);
    const reply = await this.compression.deflate(encodeHeaderBlock(new Map()));
    this.socket.write(controlFrame(FrameType.SynReply, 0, Buffer.concat([u32(id), reply])));
    if (flags & FLAG_FIN) this.remoteEnd(stream);
    this.options.onStream(stream);
  }

  private onData(id: number, flags: number, data: Buffer): void {
    const stream = this.streams.get(id);
    if (!stream) return;
    if (data.length > 0 && !stream.remoteClosed && !stream.push(data)) this.socket.pause();
    if (flags & FLAG_FIN) this.remoteEnd(stream);
  }

  private remoteEnd(stream: SpdyStream): void {
    if (stream.remoteClosed) return;
    stream.remoteClosed = true;
    stream.push(null);
  }
}
