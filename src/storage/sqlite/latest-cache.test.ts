import { describe, expect, it } from 'vitest';
import { LatestCache } from './latest-cache.ts';

const kv = (key: string, revision: number) => ({
  key,
  value: `{"r":${revision}}`,
  revision,
  createRevision: 1,
});

describe('LatestCache', () => {
  it('tells cached values, cached absence and unknown keys apart', () => {
    const cache = new LatestCache(10);
    cache.remember('a', kv('a', 1));
    cache.remember('b', undefined);
    expect(cache.get('a')).toEqual(kv('a', 1));
    expect(cache.get('b')).toBeNull();
    expect(cache.get('c')).toBeUndefined();
  });

  it('updates only keys it holds on writes', () => {
    const cache = new LatestCache(10);
    cache.remember('a', kv('a', 1));
    cache.written('a', kv('a', 2));
    cache.written('b', kv('b', 3));
    expect(cache.get('a')?.revision).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    cache.written('a', undefined);
    expect(cache.get('a')).toBeNull();
  });

  it('drops the least recently used key beyond its capacity', () => {
    const cache = new LatestCache(2);
    cache.remember('a', kv('a', 1));
    cache.remember('b', kv('b', 2));
    cache.get('a');
    cache.remember('c', kv('c', 3));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).not.toBeUndefined();
    expect(cache.get('c')).not.toBeUndefined();
  });
});
