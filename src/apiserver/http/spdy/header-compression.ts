/**
 * SPDY/3 header compression: one zlib stream per direction for the life of the connection,
 * primed with the protocol's dictionary (a list of common header names and values), each
 * header block flushed with Z_SYNC_FLUSH. zlib works asynchronously in Node, so each side
 * is a queue: blocks are (de)compressed one after the other, in frame order.
 */
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';

/** Header names the SPDY/3 dictionary lists, each with a 32-bit length before it. */
const DICTIONARY_WORDS = [
  'options',
  'head',
  'post',
  'put',
  'delete',
  'trace',
  'accept',
  'accept-charset',
  'accept-encoding',
  'accept-language',
  'accept-ranges',
  'age',
  'allow',
  'authorization',
  'cache-control',
  'connection',
  'content-base',
  'content-encoding',
  'content-language',
  'content-length',
  'content-location',
  'content-md5',
  'content-range',
  'content-type',
  'date',
  'etag',
  'expect',
  'expires',
  'from',
  'host',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-range',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'pragma',
  'proxy-authenticate',
  'proxy-authorization',
  'range',
  'referer',
  'retry-after',
  'server',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'vary',
  'via',
  'warning',
  'www-authenticate',
  'method',
  'get',
  'status',
  '200 OK',
  'version',
  'HTTP/1.1',
  'url',
  'public',
  'set-cookie',
  'keep-alive',
  'origin',
];

/** The dictionary's tail: status lines, dates and media types, without length prefixes. */
const DICTIONARY_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request' +
  '401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented' +
  '503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 ' +
  'Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,' +
  'application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=' +
  'gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

export const SPDY_DICTIONARY: Buffer = Buffer.concat([
  ...DICTIONARY_WORDS.flatMap((w) => {
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(w.length, 0);
    return [len, Buffer.from(w, 'latin1')];
  }),
  Buffer.from(DICTIONARY_TAIL, 'latin1'),
]);

/** Runs one zlib stream block by block: write, sync-flush, take what came out. */
class BlockQueue {
  private readonly stream: Inflate | Deflate;
  private output: Buffer[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private failed: Error | undefined;

  constructor(stream: Inflate | Deflate) {
    this.stream = stream;
    stream.on('data', (d: Buffer) => this.output.push(d));
    stream.on('error', (err) => {
      this.failed = err;
    });
  }

  run(block: Buffer): Promise<Buffer> {
    const next = this.chain.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          if (this.failed) return reject(this.failed);
          this.stream.write(block);
          this.stream.flush(constants.Z_SYNC_FLUSH, () => {
            if (this.failed) return reject(this.failed);
            const out = Buffer.concat(this.output);
            this.output = [];
            resolve(out);
          });
        }),
    );
    this.chain = next.catch(() => {});
    return next;
  }

  close(): void {
    this.stream.destroy();
  }
}

/** The two zlib contexts of one SPDY connection. */
export class HeaderCompression {
  private readonly inflater = new BlockQueue(createInflate({ dictionary: SPDY_DICTIONARY }));
  private readonly deflater = new BlockQueue(
    createDeflate({ dictionary: SPDY_DICTIONARY, level: constants.Z_BEST_COMPRESSION }),
  );

  /** Decompresses the next header block the peer sent. */
  inflate(block: Buffer): Promise<Buffer> {
    return this.inflater.run(block);
  }

  /** Compresses the next header block to send. */
  deflate(block: Buffer): Promise<Buffer> {
    return this.deflater.run(block);
  }

  close(): void {
    this.inflater.close();
    this.deflater.close();
  }
}
