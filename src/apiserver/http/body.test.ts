import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decodeObjectBody, MAX_NESTING, parseYaml, readBody } from './body.ts';

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

describe('parseYaml', () => {
  it('takes JSON and YAML alike', async () => {
    expect(await parseYaml('{"a":1}')).toEqual({ a: 1 });
    expect(await parseYaml('a: 1\nb: [x]')).toEqual({ a: 1, b: ['x'] });
    expect(await parseYaml('{a: 1}')).toEqual({ a: 1 });
    expect(await parseYaml('')).toBeNull();
  });

  it('refuses bad input with a 400, never a 500', async () => {
    for (const text of [
      'a: [1',
      'a: 1\n---\nb: 2',
      '&a [*a]',
      '&a {x: *a}',
      `${'['.repeat(MAX_NESTING + 1)}${']'.repeat(MAX_NESTING + 1)}`,
      `a: ${'['.repeat(3_000_000)}`,
      `${'- '.repeat(100_000)}x`,
    ]) {
      await expect(parseYaml(text), text.slice(0, 20)).rejects.toMatchObject({ code: 400 });
    }
  });

  it('decodes YAML off the event loop: timers fire while a big body decodes', async () => {
    const big = Array.from({ length: 60_000 }, (_, i) => `key${i}: value ${i}`).join('\n');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      const value = (await parseYaml(big)) as Record<string, string>;
      expect(value.key59999).toBe('value 59999');
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });
});

describe('decodeObjectBody', () => {
  it('decodes JSON and YAML objects, JSON when no type is given', async () => {
    expect(await decodeObjectBody(Buffer.from('{"kind":"A"}'), undefined)).toEqual({ kind: 'A' });
    expect(
      await decodeObjectBody(Buffer.from('kind: A'), 'application/yaml; charset=utf-8'),
    ).toEqual({ kind: 'A' });
  });

  it('refuses other media types (415) and non-objects (400)', async () => {
    await expect(decodeObjectBody(Buffer.from('x'), 'text/plain')).rejects.toMatchObject({
      code: 415,
    });
    await expect(decodeObjectBody(Buffer.from('[1]'), 'application/json')).rejects.toMatchObject({
      code: 400,
    });
    await expect(decodeObjectBody(Buffer.from('{'), 'application/json')).rejects.toMatchObject({
      code: 400,
    });
  });
});
