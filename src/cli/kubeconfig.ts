/**
 * `canopy kubeconfig`: mints a client certificate for a user (CN the user, each O a group)
 * signed by the CA of a server's data directory (or of the control plane `canopy up` runs
 * under its own), and prints or writes a kubeconfig that
 * embeds the CA, the certificate and its key. The server URL comes from the data
 * directory's admin kubeconfig unless `--server` says otherwise.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DAY, parseGoDuration } from '../apimachinery/duration.ts';
import {
  parseKubeconfig,
  serializeKubeconfig,
  singleContextKubeconfig,
} from '../apimachinery/kubeconfig.ts';
import { issueClientCertificate, loadOrCreateCA } from '../apiserver/tls/pki.ts';
import { layout } from './up/layout.ts';

interface KubeconfigFlags {
  dataDir: string;
  pkiDir?: string;
  user?: string;
  group: string[];
  server?: string;
  context?: string;
  expiration: string;
  output?: string;
}

/** `--expiration`: a Go duration (`8760h`, `1h30m`, `90s`), plus `d` for days; milliseconds. */
export function parseExpiration(text: string): number {
  const ms = parseGoDuration(text.trim(), { d: DAY });
  if (ms === undefined || ms <= 0) {
    throw new Error(
      `--expiration must be a positive duration such as 24h, 90m or 365d, not ${JSON.stringify(text)}`,
    );
  }
  return ms;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The admin kubeconfig's current cluster: its name and server, when there is one. */
function adminCluster(dataDir: string): { name: string; server: string } | undefined {
  const path = join(dataDir, 'admin.kubeconfig');
  if (!existsSync(path)) return undefined;
  const config = parseKubeconfig(readFileSync(path, 'utf8'));
  const context = config.contexts.find((c) => c.name === config['current-context']);
  const clusterName = context?.context.cluster ?? config.clusters[0]?.name;
  const cluster = config.clusters.find((c) => c.name === clusterName) ?? config.clusters[0];
  if (!cluster?.cluster.server) return undefined;
  return { name: cluster.name, server: cluster.cluster.server };
}

const hasCA = (dir: string) => existsSync(join(dir, 'ca.crt')) && existsSync(join(dir, 'ca.key'));

/**
 * The data directory whose CA signs: `dir` itself when a server (`canopy start`) keeps its
 * data there, or the control plane's under it when `canopy up` (`npm start`) does.
 */
export function serverDataDir(dir: string): string {
  const given = resolve(dir);
  if (hasCA(given)) return given;
  const controlPlane = layout(given).controlPlane;
  if (hasCA(controlPlane)) return controlPlane;
  throw new Error(
    `no certificate authority in ${given} (ca.crt, ca.key), nor in ${controlPlane}: point --data-dir at the directory of a server that ran once (canopy start --data-dir DIR), or of canopy up (npm start keeps it in .canopy), or pass the --pki-dir the server was started with`,
  );
}

export function registerKubeconfig(program: Command): void {
  program
    .command('kubeconfig')
    .description(
      "mint a client certificate for a user, signed by the server's CA, and print a kubeconfig using it",
    )
    .option(
      '--data-dir <dir>',
      "the data directory of the server (its CA signs), or of canopy up (its control plane's)",
      '.canopy',
    )
    .option(
      '--pki-dir <dir>',
      'the PKI directory replicas share, when the server was started with --pki-dir (its CA signs)',
    )
    .option('--user <name>', 'user name (the certificate CN)')
    .option('--group <name>', 'a group of the user (certificate O); repeat for more', collect, [])
    .option('--server <url>', 'API server URL (default: the one in <data-dir>/admin.kubeconfig)')
    .option('--context <name>', 'name of the context (default: <user>@<cluster>)')
    .option('--expiration <duration>', 'how long the certificate is valid (e.g. 24h, 30d)', '8760h')
    .option(
      '-o, --output <file>',
      'write the kubeconfig to this file (mode 0600) instead of stdout',
    )
    .addHelpText(
      'after',
      `
The certificate's subject is CN=<user> with one O=<group> per --group, which the server
reads as the user name and groups (every user is also in system:authenticated). What the
user may do is up to RBAC: bind roles to the user or its groups, for example

  canopy kubeconfig --data-dir .canopy --user erin --group devs -o erin.kubeconfig
  kubectl create rolebinding erin-edit --clusterrole=edit --user=erin -n team-a

The kubeconfig embeds the private key: keep it as secret as a password. A certificate
cannot be revoked before it expires, so prefer short --expiration values.`,
    )
    .action(async (flags: KubeconfigFlags) => {
      const user = flags.user?.trim() ?? '';
      if (!user) throw new Error('--user is required (the user name the certificate carries)');
      const validityMs = parseExpiration(flags.expiration);
      const dataDir = flags.pkiDir ? resolve(flags.dataDir) : serverDataDir(flags.dataDir);
      const caDir = flags.pkiDir ? resolve(flags.pkiDir) : dataDir;
      if (!hasCA(caDir)) {
        throw new Error(
          `no certificate authority in ${caDir} (ca.crt, ca.key): start a replica with --pki-dir ${flags.pkiDir} first`,
        );
      }
      const admin = adminCluster(dataDir);
      const server = flags.server ?? admin?.server;
      if (!server) {
        throw new Error(
          `no server URL: ${join(dataDir, 'admin.kubeconfig')} is missing; pass --server https://HOST:PORT`,
        );
      }
      try {
        new URL(server);
      } catch {
        throw new Error(`--server must be a URL such as https://127.0.0.1:6443, not ${server}`);
      }
      const ca = await loadOrCreateCA(caDir);
      const caExpires = ca.certificate.notAfter.getTime();
      if (Date.now() + validityMs > caExpires) {
        throw new Error(
          `--expiration ${flags.expiration} outlives the CA, which expires ${ca.certificate.notAfter.toISOString()}`,
        );
      }
      const pair = await issueClientCertificate(ca, user, flags.group, validityMs);
      const clusterName = admin?.name ?? 'canopy';
      const contextName = flags.context ?? `${user}@${clusterName}`;
      const b64 = (pem: string) => Buffer.from(pem).toString('base64');
      const config = singleContextKubeconfig({
        name: clusterName,
        server,
        caPem: ca.cert,
        user: { 'client-certificate-data': b64(pair.cert), 'client-key-data': b64(pair.key) },
        userName: user,
        contextName,
      });
      const text = serializeKubeconfig(config);
      if (flags.output) {
        writeFileSync(flags.output, text, { mode: 0o600 });
        chmodSync(flags.output, 0o600); // an existing file keeps its mode otherwise
        process.stderr.write(
          `wrote a kubeconfig for user ${user}${flags.group.length ? ` (groups ${flags.group.join(', ')})` : ''} to ${flags.output}\n`,
        );
      } else {
        process.stdout.write(text);
      }
    });
}
