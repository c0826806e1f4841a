/**
 * How Canopy runs etcd on this machine, for `canopy up --etcd` and the tests: the command
 * line of one member of a loopback cluster, and the line etcd logs once it serves. The
 * binary is Debian's `etcd-server` (`/usr/bin/etcd`) or whatever `$CANOPY_ETCD` names.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

export interface EtcdMemberSpec {
  readonly name: string;
  readonly dataDir: string;
  readonly clientPort: number;
  readonly peerPort: number;
  /** Clients speak TLS and must show a certificate signed by `caFile` (peers stay on loopback http). */
  readonly tls?: { readonly caFile: string; readonly certFile: string; readonly keyFile: string };
}

/** etcd 3.4 logs this (zap logger) once it joined its cluster and serves clients. */
export const ETCD_READY = /serving client traffic/;

export const clientUrl = (m: EtcdMemberSpec) =>
  `${m.tls ? 'https' : 'http'}://127.0.0.1:${m.clientPort}`;
const peerUrl = (m: EtcdMemberSpec) => `http://127.0.0.1:${m.peerPort}`;

/** The etcd executable, or a message saying how to get one. */
export function etcdBinary(): string {
  const configured = process.env.CANOPY_ETCD;
  if (configured) return configured;
  for (const candidate of ['/usr/bin/etcd', '/usr/local/bin/etcd']) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(
    'etcd is not installed: install it (Debian: apt-get install etcd-server) or set CANOPY_ETCD to its path',
  );
}

/** Arguments for `member` of a new cluster of `cluster` (which includes it). */
export function etcdMemberArgs(
  member: EtcdMemberSpec,
  cluster: readonly EtcdMemberSpec[],
): string[] {
  return [
    '--name',
    member.name,
    '--data-dir',
    member.dataDir,
    '--listen-client-urls',
    clientUrl(member),
    '--advertise-client-urls',
    clientUrl(member),
    '--listen-peer-urls',
    peerUrl(member),
    '--initial-advertise-peer-urls',
    peerUrl(member),
    '--initial-cluster',
    cluster.map((m) => `${m.name}=${peerUrl(m)}`).join(','),
    '--initial-cluster-state',
    'new',
    '--initial-cluster-token',
    `canopy-${cluster.map((m) => m.peerPort).join('-')}`,
    '--logger',
    'zap',
    '--log-outputs',
    'stderr',
    ...(member.tls
      ? [
          '--cert-file',
          member.tls.certFile,
          '--key-file',
          member.tls.keyFile,
          '--client-cert-auth',
          '--trusted-ca-file',
          member.tls.caFile,
        ]
      : []),
  ];
}

/** A loopback port nothing listens on right now (etcd needs its ports before it starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
