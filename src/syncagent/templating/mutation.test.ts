import { describe, expect, it } from 'vitest';
import {
  applyMutations,
  deletePath,
  getPath,
  regexReplace,
  setPath,
  splitPath,
} from './mutation.ts';

describe('paths', () => {
  const doc = {
    spec: { users: [{ name: 'a' }, { name: 'b' }], 'dotted.key': 1, list: [1, 2, 3] },
  };

  it('reads gjson-style paths', () => {
    expect(splitPath('spec.dotted\\.key')).toEqual(['spec', 'dotted.key']);
    expect(getPath(doc, 'spec.dotted\\.key')).toBe(1);
    expect(getPath(doc, 'spec.users.1.name')).toBe('b');
    expect(getPath(doc, 'spec.users.#.name')).toEqual(['a', 'b']);
    expect(getPath(doc, 'spec.list.#')).toBe(3);
    expect(getPath(doc, 'spec.nope.deeper')).toBeUndefined();
  });

  it('sets and deletes, creating objects on the way', () => {
    const d: Record<string, unknown> = structuredClone(doc);
    setPath(d, 'spec.new.value', 'x');
    setPath(d, 'spec.list.-1', 4);
    setPath(d, 'spec.users.0.name', 'z');
    expect(getPath(d, 'spec.new.value')).toBe('x');
    expect(getPath(d, 'spec.list')).toEqual([1, 2, 3, 4]);
    expect(getPath(d, 'spec.users.0.name')).toBe('z');
    deletePath(d, 'spec.list.0');
    deletePath(d, 'spec.new');
    deletePath(d, 'spec.not.there');
    expect(getPath(d, 'spec.list')).toEqual([2, 3, 4]);
    expect(getPath(d, 'spec.new')).toBeUndefined();
  });
});

describe('mutations', () => {
  it('regex: groups as \\1 or $1, empty pattern replaces the value', () => {
    expect(regexReplace('db-one', '^db-(.*)$', 'database-\\1')).toBe('database-one');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's ${1} group reference
    expect(regexReplace('db-one', '^db-(.*)$', '${1}x')).toBe('onex');
    expect(regexReplace('anything', '', 'fixed')).toBe('fixed');
  });

  it('applies delete, regex, template and cel steps in order', () => {
    const self: Record<string, unknown> = {
      metadata: { name: 'kcp' },
      spec: { secret: 'kcp-superuser', internal: true, size: 2, description: 'db' },
    };
    applyMutations(
      [
        { delete: { path: 'spec.internal' } },
        { regex: { path: 'spec.secret', pattern: '^kcp-(.*)$', replacement: 'tenant-\\1' } },
        {
          template: {
            path: 'spec.description',
            template: '{{ .Value }} of {{ .LocalObject.metadata.name }} in {{ .RemoteObject.ns }}',
          },
        },
        { cel: { path: 'spec.size', expression: 'value * 2' } },
        { cel: { path: 'spec.owner', expression: 'self.metadata.name + "-owner"' } },
      ],
      { self, other: { ns: 'remote' } },
    );
    expect(self.spec).toEqual({
      secret: 'tenant-superuser',
      size: 4,
      description: 'db of kcp in remote',
      owner: 'kcp-owner',
    });
  });

  it('refuses a step with no or several kinds', () => {
    expect(() => applyMutations([{}], { self: {} })).toThrow(/exactly one/);
    expect(() =>
      applyMutations([{ delete: { path: 'a' }, regex: { path: 'a' } }], { self: {} }),
    ).toThrow(/exactly one/);
  });
});
