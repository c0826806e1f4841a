import { describe, expect, it } from 'vitest';
import {
  baseURL,
  clusterURL,
  hasPathPrefix,
  isValidPath,
  parseClusterURL,
  resolveAgainst,
  resolveDots,
  topOf,
} from './paths.ts';

describe('logical cluster paths', () => {
  it('validates paths like logicalcluster.Path.IsValid', () => {
    for (const good of [
      'root',
      'root:a',
      'root:consumers:pg',
      'system:admin',
      'a1-b',
      '*',
      '2cynbfy2m0wtjqcs',
    ]) {
      expect(isValidPath(good), good).toBe(true);
    }
    for (const bad of [
      '',
      ':root',
      'root:',
      'Root',
      'root::a',
      'a_b',
      '-a',
      'a-',
      'ju:nk§',
      `a${'b'.repeat(63)}`,
    ]) {
      expect(isValidPath(bad), bad).toBe(false);
    }
  });

  it('splits, finds parents and tops', () => {
    expect(topOf('my-root:foo:bar')).toBe('my-root');
    expect(hasPathPrefix('root:a', 'root')).toBe(true);
    expect(hasPathPrefix('rooted:a', 'root')).toBe(false);
    expect(hasPathPrefix('root', 'root')).toBe(true);
  });

  it('resolves . and .. textually', () => {
    expect(resolveDots('root:foo:bar:..')).toBe('root:foo');
    expect(resolveDots('root:foo:.:bar:.')).toBe('root:foo:bar');
    expect(resolveDots('root:foo:bar:baz:..:..')).toBe('root:foo');
    // One step above the first segment leaves the (invalid) empty path, as kcp does…
    expect(resolveDots('root:..')).toBe('');
    // …two steps are an error.
    expect(() => resolveDots('root:..:..')).toThrow('cannot go up from root');
    expect(() => resolveDots('..')).toThrow('cannot go up from root');
  });

  it('resolves arguments against the current workspace', () => {
    expect(resolveAgainst('root:foo', 'bar')).toBe('root:foo:bar');
    expect(resolveAgainst('root:foo', 'bar:baz')).toBe('root:foo:bar:baz');
    expect(resolveAgainst('root:foo', ':root:other')).toBe('root:other');
    expect(resolveAgainst('root:foo', ':system:admin')).toBe('system:admin');
    expect(resolveAgainst('root:foo:bar', '..')).toBe('root:foo');
    expect(resolveAgainst('root:foo:bar:baz', '..:..')).toBe('root:foo');
    expect(resolveAgainst('root:foo', 'bar:..:bar:baz:..:baz')).toBe('root:foo:bar:baz');
    expect(resolveAgainst('root:foo', '.:bar:.:.:baz:.')).toBe('root:foo:bar:baz');
    expect(resolveAgainst('root:foo', '.')).toBe('root:foo');
    expect(() => resolveAgainst('root', '..:..')).toThrow('cannot go up from root');
    expect(() => resolveAgainst('root', '..:..', 'cannot go above the root workspace')).toThrow(
      'cannot go above the root workspace',
    );
  });

  it('parses /clusters/ URLs, keeping any path prefix in the base', () => {
    expect(parseClusterURL('https://kcp:6443/clusters/root:a')).toEqual({
      base: 'https://kcp:6443',
      path: 'root:a',
    });
    expect(parseClusterURL('https://proxy/kcp/clusters/root/api/v1')).toEqual({
      base: 'https://proxy/kcp',
      path: 'root',
    });
    expect(parseClusterURL('https://kcp:6443')).toBeUndefined();
    expect(parseClusterURL('https://kcp/clusters/Bad_Name')).toBeUndefined();
    expect(parseClusterURL('https://proxy/services/site/foo')).toBeUndefined();
    expect(parseClusterURL('not a url')).toBeUndefined();
  });

  it('builds workspace URLs and strips them back to the base', () => {
    expect(clusterURL('https://kcp:6443', 'root:a')).toBe('https://kcp:6443/clusters/root:a');
    expect(clusterURL('https://proxy/kcp/', 'root')).toBe('https://proxy/kcp/clusters/root');
    expect(baseURL('https://kcp:6443/clusters/root:a')).toBe('https://kcp:6443');
    expect(baseURL('https://kcp:6443/')).toBe('https://kcp:6443');
    expect(baseURL('https://kcp:6443/services/site/foo')).toBe('https://kcp:6443');
  });
});
