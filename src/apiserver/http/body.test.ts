import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBody } from './body.ts';

/** A request body arriving in `chunks`, with the given headers. */
function request(chunks: string[], headers: Record<string, string> = {}): IncomingMessage {
  const stream = Readable.from(chunks.map((c) => Buffer.from(c)));
  return Object.assign(stream, { headers }) as unknown as IncomingMessage;
}

describe('readBody', () => {
  it('returns the whole body, in one chunk or many', async () => {
    expect((await readBody(request(['{"a":1}']))).toString()).toBe('{"a":1}');
    expect((await readBody(request(['{"a"', ':', '1}']))).toString()).toBe('{"a":1}');
    expect((await readBody(request([]))).length).toBe(0);
  });

  it('refuses a declared length over the limit without reading', async () => {
    const req = request(['x'], { 'content-length': '11' });
    await expect(readBody(req, 10)).rejects.toMatchObject({ code: 413 });
  });

  it('refuses a streamed body once it passes the limit, and drains the rest', async () => {
    const req = request(['12345', '67890', 'abc', 'def']);
    await expect(readBody(req, 10)).rejects.toMatchObject({ code: 413 });
    if (!req.readableEnded) await new Promise((resolve) => req.once('end', resolve));
    expect(req.readableEnded).toBe(true);
  });

  it('fails when the request is torn down before its end', async () => {
    const req = new Readable({ read() {} }) as unknown as IncomingMessage;
    Object.assign(req, { headers: {} });
    const body = readBody(req);
    req.push(Buffer.from('partial'));
    req.destroy();
    await expect(body).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });
});
