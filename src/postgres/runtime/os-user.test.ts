import { describe, expect, it } from 'vitest';
import { parsePasswd, resolveServerUser } from './os-user.ts';

describe('server user', () => {
  it('reads /etc/passwd entries', () => {
    const passwd =
      'root:x:0:0:root:/root:/bin/bash\npostgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n';
    expect(parsePasswd(passwd, 'postgres')).toEqual({
      uid: 101,
      gid: 104,
      home: '/var/lib/postgresql',
    });
    expect(parsePasswd(passwd, 'nobody')).toBeUndefined();
  });

  it('switches users only when running as root', () => {
    const root = process.getuid?.() === 0;
    if (root) {
      try {
        const u = resolveServerUser('postgres');
        expect(u.switched).toBe(true);
        expect(u.uid).not.toBe(0);
      } catch (err) {
        expect((err as Error).message).toMatch(/refuses to run as root/);
      }
      expect(() => resolveServerUser('no-such-user-here')).toThrow(/no unprivileged user/);
    } else {
      expect(resolveServerUser().switched).toBe(false);
    }
  });
});
