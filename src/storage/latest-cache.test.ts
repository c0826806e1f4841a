import { describe, expect, it } from 'vitest';
import { LatestCache } from './latest-cache.ts';

const kv = (key: string, revision: number, value = `{"r":${revision}}`) => ({
  key,
  value,
  revision,
  createRevision: 1,
});

describe('LatestCache', () => {
  it('tells cached values, cached absence and unknown keys apart', () => {
    const cache = new LatestCache(1 << 20);
    cache.remember('a', kv('a', 1));
    cache.remember('b', undefined);
    expect(cache.get('a')).toEqual(kv('a', 1));
    expect(cache.get('b')).toBeNull();
    expect(cache.get('c')).toBeUndefined();
  });

  it('updates only keys it holds on writes', () => {
    const cache = new LatestCache(1 << 20);
    cache.remember('a', kv('a', 1));
    cache.written('a', kv('a', 2));
    cache.written('b', kv('b', 3));
    expect(cache.get('a')?.revision).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    cache.written('a', undefined);
    expect(cache.get('a')).toBeNull();
  });

  it('keeps within its bytes, dropping keys not read lately first', () => {
    const value = 'x'.repeat(900); // about 1 KB an entry with the overhead
    const cache = new LatestCache(64 * 1024);
    for (let i = 0; i < 200; i++) cache.remember(`k${i}`, kv(`k${i}`, i, value));
    expect(cache.size).toBeLessThanOrEqual(64 * 1024);
    expect(cache.get('k0')).toBeUndefined();
    expect(cache.get('k199')?.revision).toBe(199);
    // A read makes a key recent: it outlives keys added before it.
    const kept = 150;
    cache.get(`k${kept}`);
    for (let i = 200; i < 260; i++) cache.remember(`k${i}`, kv(`k${i}`, i, value));
    expect(cache.get(`k${kept}`)?.revision).toBe(kept);
    expect(cache.get('k151')).toBeUndefined();
  });

  it('does not hold a value bigger than a sixty-fourth of its budget, and forgets the old one', () => {
    const cache = new LatestCache(64 * 1024);
    cache.remember('big', kv('big', 1));
    cache.written('big', kv('big', 2, 'x'.repeat(2000)));
    expect(cache.get('big')).toBeUndefined();
    cache.remember('big', kv('big', 2, 'x'.repeat(2000)));
    expect(cache.get('big')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
