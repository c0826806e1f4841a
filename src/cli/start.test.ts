import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CANOPY = join(import.meta.dirname, '..', '..', 'bin', 'canopy');
const dir = mkdtempSync(join(tmpdir(), 'canopy-start-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `canopy start` with bad flags: it must refuse before serving, saying what is wrong. */
const start = (...args: string[]) =>
  spawnSync(process.execPath, [CANOPY, 'start', '--data-dir', dir, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });

describe('canopy start flags', () => {
  it.each([
    [['--port', 'abc'], '--port must be a number between 0 and 65535, not "abc"'],
    [
      ['--port', '0', '--compaction-interval', '5x'],
      '--compaction-interval must be a duration such as 5m or 30s (0 turns compaction off), not "5x"',
    ],
    [
      ['--port', '0', '--compaction-interval', '-1s'],
      '--compaction-interval must be a duration such as 5m or 30s (0 turns compaction off), not "-1s"',
    ],
    [
      ['--port', '0', '--hub-port', 'x'],
      '--hub-port must be a number between 0 and 65535, not "x"',
    ],
    [
      ['--port', '0', '--max-requests-inflight', 'lots'],
      '--max-requests-inflight must be a whole number of at least 1, not "lots"',
    ],
    [['--port', '0', '--etcd-prefix', '/x'], '--etcd-prefix needs --etcd-servers'],
    [
      ['--port', '0', '--external-url', 'http://lb:6443/x'],
      '--external-url must be an https URL with no path, such as https://canopy.example.com:6443, not "http://lb:6443/x"',
    ],
    [['--port', '0', '--etcd-servers', ' , '], '--etcd-servers names no URL'],
    [
      ['--port', '0', '--etcd-servers', 'http://127.0.0.1:1', '--compaction-interval', '1m'],
      'with --etcd-servers use --etcd-compaction-interval',
    ],
    [
      ['--port', '0', '--etcd-servers', 'http://127.0.0.1:1', '--etcd-compaction-interval', 'x'],
      '--etcd-compaction-interval must be a duration such as 5m or 30s (0 turns it off), not "x"',
    ],
    [
      ['--port', '0', '--leader-elect-lease-duration', '5s', '--leader-elect-renew-deadline', '5s'],
      '--leader-elect-lease-duration must be longer than --leader-elect-renew-deadline',
    ],
    [
      ['--port', '0', '--leader-elect-retry-period', 'soon'],
      '--leader-elect-retry-period must be a duration such as 5m or 30s, not "soon"',
    ],
    [
      ['--port', '0', '--etcd-servers', 'etcd:2379'],
      'etcd endpoint "etcd:2379" is not a URL such as http://127.0.0.1:2379',
    ],
    [
      ['--port', '0', '--etcd-servers', 'http://127.0.0.1:1', '--etcd-prefix', 'registry'],
      '--etcd-prefix must be a path of printable ASCII starting with "/"',
    ],
    [
      ['--port', '0', '--etcd-servers', 'http://127.0.0.1:1'],
      'cannot reach etcd (etcd at http://127.0.0.1:1 is unavailable: connect ECONNREFUSED 127.0.0.1:1). Start it (one on this machine: canopy etcd)',
    ],
    [
      ['--port', '0', '--oidc-client-id', 'canopy'],
      'oidc-issuer-url and oidc-client-id must be specified together when any oidc-* flags are set',
    ],
    [
      ['--port', '0', '--oidc-issuer-url', 'http://idp', '--oidc-client-id', 'canopy'],
      'invalid authentication configuration: jwt[0].issuer.url: Invalid value: "http://idp": URL scheme must be https',
    ],
    [
      [
        '--port',
        '0',
        '--oidc-issuer-url',
        'https://idp',
        '--oidc-client-id',
        'c',
        '--oidc-signing-algs',
        'HS256',
      ],
      'oidc: unsupported signing alg: "HS256"',
    ],
    [
      ['--port', '0', '--authentication-config', '/nonexistent', '--oidc-client-id', 'c'],
      '--authentication-config and the --oidc-* flags are mutually exclusive',
    ],
    [
      ['--port', '0', '--authentication-config', '/nonexistent'],
      '--authentication-config: cannot read /nonexistent: ENOENT',
    ],
  ])('refuses %j', (args, message) => {
    const r = start(...args);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(message);
    expect(r.stdout).not.toContain('ready');
  });
});
