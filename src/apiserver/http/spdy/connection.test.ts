/**
 * SPDY/3.1 as kubectl's spdystream speaks it, against the server connection: the header
 * dictionary is the protocol's, a client stream is accepted with SYN_REPLY and carries data
 * both ways with FIN, PINGs are echoed, refused streams get RST_STREAM, and a slow reader
 * pauses the connection.
 */
import { createHash } from 'node:crypto';
import { Duplex, PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SpdyConnection, type SpdyStream } from './connection.ts';
import {
  controlFrame,
  dataFrameHeader,
  decodeHeaderBlock,
  encodeHeaderBlock,
  FLAG_FIN,
  type Frame,
  FrameReader,
  FrameType,
  u32,
} from './frames.ts';
import { HeaderCompression, SPDY_DICTIONARY } from './header-compression.ts';

/** A pair of connected in-memory streams: what one writes, the other reads. */
function pipePair(): [Duplex, Duplex] {
  const aToB = new PassThrough();
  const bToA = new PassThrough();
  return [
    Duplex.from({ readable: bToA, writable: aToB }),
    Duplex.from({ readable: aToB, writable: bToA }),
  ];
}

/** The client side, written from the frame layouts: what spdystream sends and reads. */
class TestClient {
  readonly frames: Frame[] = [];
  private readonly reader = new FrameReader();
  private readonly zlib = new HeaderCompression();
  private waiters: (() => void)[] = [];
  readonly socket: Duplex;

  constructor(socket: Duplex) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.frames.push(...this.reader.push(d));
      for (const w of this.waiters.splice(0)) w();
    });
  }

  async open(id: number, headers: Record<string, string>, fin = false): Promise<void> {
    const block = await this.zlib.deflate(encodeHeaderBlock(new Map(Object.entries(headers))));
    const body = Buffer.concat([u32(id, 0), Buffer.from([0, 0]), block]);
    this.socket.write(controlFrame(FrameType.SynStream, fin ? FLAG_FIN : 0, body));
  }

  send(id: number, data: Buffer, fin = false): void {
    this.socket.write(Buffer.concat([dataFrameHeader(id, fin ? FLAG_FIN : 0, data.length), data]));
  }

  async until(pred: (frames: Frame[]) => boolean): Promise<void> {
    while (!pred(this.frames)) await new Promise<void>((r) => this.waiters.push(r));
  }

  dataOf(id: number): { bytes: Buffer; fin: boolean } {
    const mine = this.frames.filter((f) => f.kind === 'data' && f.streamId === id) as Extract<
      Frame,
      { kind: 'data' }
    >[];
    return {
      bytes: Buffer.concat(mine.map((f) => f.data)),
      fin: mine.some((f) => f.flags & FLAG_FIN),
    };
  }
}

describe('SPDY/3.1 header compression', () => {
  it('uses the protocol dictionary, byte for byte', () => {
    expect(SPDY_DICTIONARY.length).toBe(1423);
    expect(createHash('sha256').update(SPDY_DICTIONARY).digest('hex')).toBe(
      '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02',
    );
  });

  it('round-trips header blocks through one zlib context per direction', async () => {
    const a = new HeaderCompression();
    const b = new HeaderCompression();
    for (const n of [1, 2, 3]) {
      const headers = new Map([
        ['streamtype', 'data'],
        ['port', '5432'],
        ['requestid', String(n)],
      ]);
      const block = await a.deflate(encodeHeaderBlock(headers));
      expect(decodeHeaderBlock(await b.inflate(block))).toEqual(headers);
    }
    a.close();
    b.close();
  });
});

describe('SPDY server connection', () => {
  const serve = (onStream: (s: SpdyStream) => void) => {
    const [server, client] = pipePair();
    new SpdyConnection(server, {
      accept: (h) => {
        if (h.get('streamtype') === 'bogus') throw new Error('refused');
      },
      onStream,
    });
    return new TestClient(client);
  };

  it('accepts a stream, echoes data both ways and half-closes with FIN', async () => {
    const client = serve((s) => {
      expect(s.headers.get('port')).toBe('5432');
      s.pipe(s);
    });
    await client.open(1, { streamtype: 'data', port: '5432', requestid: '0' });
    await client.until((f) => f.some((x) => x.kind === 'control' && x.type === FrameType.SynReply));
    const payload = Buffer.alloc(200_000, 7);
    client.send(1, payload.subarray(0, 100_000));
    client.send(1, payload.subarray(100_000), true);
    await client.until(() => client.dataOf(1).fin);
    expect(client.dataOf(1).bytes.equals(payload)).toBe(true);
  });

  it('echoes PINGs and refuses streams it does not accept', async () => {
    const client = serve(() => {});
    client.socket.write(controlFrame(FrameType.Ping, 0, u32(3)));
    await client.open(5, { streamtype: 'bogus', port: '1' });
    await client.until(
      (f) =>
        f.some((x) => x.kind === 'control' && x.type === FrameType.Ping) &&
        f.some((x) => x.kind === 'control' && x.type === FrameType.RstStream),
    );
    const ping = client.frames.find((x) => x.kind === 'control' && x.type === FrameType.Ping);
    expect(ping?.kind === 'control' && ping.body.readUInt32BE(0)).toBe(3);
    const rst = client.frames.find((x) => x.kind === 'control' && x.type === FrameType.RstStream);
    expect(rst?.kind === 'control' && rst.body.readUInt32BE(0)).toBe(5);
  });

  it('ends a stream the client resets', async () => {
    let stream: SpdyStream | undefined;
    const closed = new Promise<void>((resolve) => {
      const client = serve((s) => {
        stream = s;
        s.on('close', resolve);
        s.resume();
      });
      void client.open(7, { streamtype: 'data', port: '1' }).then(async () => {
        await client.until((f) =>
          f.some((x) => x.kind === 'control' && x.type === FrameType.SynReply),
        );
        client.socket.write(controlFrame(FrameType.RstStream, 0, u32(7, 5)));
      });
    });
    await closed;
    expect(stream?.destroyed).toBe(true);
  });
});
