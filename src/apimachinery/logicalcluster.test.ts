import { describe, expect, it } from 'vitest';
import { joinPath, parentPath, splitPath } from './logicalcluster.ts';

describe('logical cluster paths', () => {
  it('joins onto a parent, or starts a path', () => {
    expect(joinPath('root:a', 'b')).toBe('root:a:b');
    expect(joinPath('root', 'a')).toBe('root:a');
    expect(joinPath('', 'root')).toBe('root');
  });

  it('splits and finds parents', () => {
    expect(splitPath('root:a:b')).toEqual(['root:a', 'b']);
    expect(splitPath('root')).toEqual(['', 'root']);
    expect(parentPath('root:a:b')).toBe('root:a');
    expect(parentPath('root:a')).toBe('root');
    expect(parentPath('root')).toBeUndefined();
  });
});
