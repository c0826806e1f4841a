/**
 * `canopy start`: runs the API server until SIGTERM or SIGINT. Prints a line containing
 * `ready` once requests are served (tools and tests wait for it). In workspace mode it
 * serves the hub's CatalogEntry API and, unless `--no-hub`, runs the hub on its own HTTPS
 * listener; its base URL goes into the ready line and `<data-dir>/hub-url`.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { parseGoDuration } from '../apimachinery/duration.ts';
import type { JwtAuthentication } from '../apiserver/authn/oidc/authentication-config.ts';
import { servingHosts } from '../apiserver/tls/pki.ts';
import { BUILTIN_PROVIDERS, type BuiltinProvider, builtinsNamed } from '../hub/builtins/index.ts';
import { DEFAULT_HUB_PORT, HUB_URL_FILE, Hub } from '../hub/hub.ts';
import type { OidcClientOptions } from '../hub/sso/oidc-client.ts';
import { hubServingCertificate } from '../hub/tls.ts';
import { createLogger, type LogFormat } from '../logging/logger.ts';
import type { Timing } from '../server/controller-leadership.ts';
import { ApiServer } from '../server/server.ts';
import {
  DEFAULT_ETCD_COMPACTION_MS,
  DEFAULT_ETCD_PREFIX,
  type EtcdStoreOptions,
} from '../storage/etcd/etcd-store.ts';
import type { AutoCompaction } from '../storage/sqlite/sqlite-store.ts';
import {
  type AuthenticationFlags,
  addAuthenticationFlags,
  hubSignInOf,
  jwtAuthenticationOf,
} from './authentication-flags.ts';
import { listFlag, parseDuration, parsePort, parsePositiveInteger } from './flags.ts';

interface StartOptions extends AuthenticationFlags {
  dataDir: string;
  port: string;
  bind: string;
  plain?: boolean;
  logFormat?: LogFormat;
  logLevel?: string;
  audit?: boolean;
  tokenAuthFile?: string;
  maxRequestsInflight: string;
  compactionInterval?: string;
  pkiDir?: string;
  externalUrl?: string;
  etcdServers?: string;
  etcdPrefix?: string;
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
  etcdCompactionInterval?: string;
  leaderElectLeaseDuration: string;
  leaderElectRenewDeadline: string;
  leaderElectRetryPeriod: string;
  hub: boolean;
  hubPort: string;
  uiDir?: string;
  builtinProviders: string;
  hubOidcClientSecretFile?: string;
}

export function registerStart(program: Command): void {
  const command = program
    .command('start')
    .description(
      'run the Canopy API server (workspaces, exports, bindings; --plain for a single-cluster Kubernetes API)',
    )
    .option('--data-dir <dir>', 'where the store, certificates and kubeconfig live', '.canopy')
    .option('--port <port>', 'HTTPS port (0 picks a free one)', '6443')
    .option('--bind <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--plain',
      'serve one Kubernetes-compatible cluster without workspaces (a stand-in service cluster)',
    )
    .option('--log-format <format>', 'json or text (default: text on a terminal, json otherwise)')
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .option(
      '--audit',
      'write an audit log (one JSON line per request, metadata only) to <data-dir>/audit.log',
    )
    .option(
      '--token-auth-file <file>',
      'bearer tokens, one per line: token,user,uid,"group1,group2" (as kube-apiserver)',
    );
  addAuthenticationFlags(command)
    .option(
      '--compaction-interval <duration>',
      "compact the store this often, keeping one interval of history (as kube-apiserver's --etcd-compaction-interval; 0 turns it off). Default: every minute, keeping 5 minutes and at least 1,000 revisions",
    )
    .option(
      '--pki-dir <dir>',
      'the CA, service-account key, admin token and serving certificate replicas of one control plane share (the first to start makes them; default: the data directory)',
    )
    .option(
      '--external-url <url>',
      'where clients reach the control plane, such as a load balancer in front of replicas (https://host:port): Workspace URLs and endpoint slices name it and the serving certificate covers it (default: this server)',
    )
    .option(
      '--etcd-servers <urls>',
      'keep objects in etcd at these comma-separated URLs (http:// or https://) instead of <data-dir>/store.db; replicas on the same etcd serve one control plane (as kube-apiserver)',
    )
    .option(
      '--etcd-prefix <prefix>',
      `where in etcd the objects live (default ${DEFAULT_ETCD_PREFIX})`,
    )
    .option('--etcd-cafile <file>', 'CA certificate that signed the etcd servers’ certificates')
    .option('--etcd-certfile <file>', 'client certificate for etcd (with --etcd-keyfile)')
    .option('--etcd-keyfile <file>', 'key of --etcd-certfile')
    .option(
      '--etcd-compaction-interval <duration>',
      'compact etcd this often, keeping one interval of history; replicas take turns (0 turns it off; default 5m)',
    )
    .option(
      '--leader-elect-lease-duration <duration>',
      "with --etcd-servers: how long the controllers' Lease holds without renewal; a standby takes over after it (as kube-controller-manager)",
      '15s',
    )
    .option(
      '--leader-elect-renew-deadline <duration>',
      'how long the leading replica keeps trying to renew before it stops its controllers',
      '10s',
    )
    .option(
      '--leader-elect-retry-period <duration>',
      'how often replicas try to take or renew the Lease',
      '2s',
    )
    .option(
      '--max-requests-inflight <n>',
      'requests served at once before new ones get 429 (watches excluded)',
      '2000',
    )
    .option('--no-hub', 'do not run the provider hub and portal in this process')
    .addOption(
      new Option(
        '--hub-port <port>',
        'HTTPS port of the provider hub and portal on --bind (0 picks a free one)',
      )
        .env('CANOPY_HUB_PORT')
        .default(String(DEFAULT_HUB_PORT)),
    )
    .option(
      '--builtin-providers <names>',
      `first-party providers the hub offers, comma-separated (${BUILTIN_PROVIDERS.map((b) => b.name).join(', ')}; canopy up offers postgresql)`,
      '',
    )
    .option(
      '--ui-dir <dir>',
      "the portal's built assets the hub serves under /ui/ (default: web/dist of this checkout)",
    )
    .option(
      '--hub-oidc-client-secret-file <file>',
      'the hub\'s client secret at the OpenID issuer, for the portal\'s "Sign in with <issuer>" (the hub signs in as --oidc-client-id; without it, a public client with PKCE)',
    )
    .action(async (opts: StartOptions) => {
      const logger = createLogger({
        name: 'canopy',
        ...(opts.logFormat ? { format: opts.logFormat } : {}),
        ...(opts.logLevel ? { level: opts.logLevel } : {}),
      });
      let port = 0;
      let maxInFlight = 0;
      let compaction: AutoCompaction | false | undefined;
      let hubPort = 0;
      let etcd: EtcdStoreOptions | undefined;
      let leaderElection: Timing | undefined;
      let builtins: BuiltinProvider[] = [];
      let jwtAuthentication: JwtAuthentication | undefined;
      let signIn: OidcClientOptions | undefined;
      try {
        jwtAuthentication = jwtAuthenticationOf(opts);
        signIn = hubSignInOf(
          jwtAuthentication,
          opts.hubOidcClientSecretFile,
          '--hub-oidc-client-secret-file',
        );
        builtins = builtinsNamed(listFlag(opts.builtinProviders));
        port = parsePort('--port', opts.port);
        hubPort = parsePort('--hub-port', opts.hubPort);
        maxInFlight = parsePositiveInteger('--max-requests-inflight', opts.maxRequestsInflight);
        if (opts.compactionInterval !== undefined)
          compaction = compactionOf(opts.compactionInterval);
        etcd = etcdOptions(opts);
        leaderElection = leaderElectionOf(opts);
        if (opts.externalUrl !== undefined) checkExternalUrl(opts.externalUrl);
      } catch (err) {
        program.error((err as Error).message);
      }
      const server = await ApiServer.start({
        dataDir: opts.dataDir,
        port,
        bind: opts.bind,
        plain: opts.plain === true,
        logger,
        audit: opts.audit === true,
        ...(opts.tokenAuthFile ? { tokenAuthFile: opts.tokenAuthFile } : {}),
        ...(jwtAuthentication ? { jwtAuthentication } : {}),
        maxInFlight,
        ...(compaction !== undefined ? { compaction } : {}),
        ...(etcd ? { etcd } : {}),
        ...(opts.pkiDir ? { pkiDir: opts.pkiDir } : {}),
        ...(opts.externalUrl ? { externalUrl: opts.externalUrl } : {}),
        leaderElection,
      });
      let hub: Hub | undefined;
      if (!opts.plain && opts.hub) {
        try {
          hub = await Hub.start({
            kubeconfig: server.kubeconfigPath,
            port: hubPort,
            bind: opts.bind,
            tls: await hubServingCertificate(
              server.pkiDir,
              servingHosts(opts.bind),
              join(resolve(opts.dataDir), 'hub'),
            ),
            ...(opts.uiDir ? { uiDir: opts.uiDir } : {}),
            logger: logger.child({ component: 'hub' }),
            builtins,
            ...(signIn ? { signIn } : {}),
          });
        } catch (err) {
          await server.stop();
          throw err;
        }
        writeFileSync(join(opts.dataDir, HUB_URL_FILE), `${hub.url}\n`);
      }
      // The ready line is a contract (tools wait for it), whatever the log level.
      const mode = opts.plain ? 'plain' : 'workspaces';
      if (logger.isLevelEnabled('info')) {
        logger.info(
          {
            url: server.url,
            kubeconfig: server.kubeconfigPath,
            mode,
            ...(hub ? { hub: hub.url } : {}),
          },
          'Canopy API server ready',
        );
      } else {
        process.stdout.write(
          `Canopy API server ready at ${server.url} (kubeconfig ${server.kubeconfigPath}${hub ? `, hub ${hub.url}` : ''})\n`,
        );
      }
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'shutting down');
        await hub?.stop();
        await server.stop();
        logger.info('stopped');
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
    });
}

/** kube-apiserver's etcd flags; undefined without --etcd-servers (the SQLite store). */
function etcdOptions(opts: StartOptions): EtcdStoreOptions | undefined {
  const servers = opts.etcdServers
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!servers || servers.length === 0) {
    const stray = (
      [
        ['--etcd-prefix', opts.etcdPrefix],
        ['--etcd-cafile', opts.etcdCafile],
        ['--etcd-certfile', opts.etcdCertfile],
        ['--etcd-keyfile', opts.etcdKeyfile],
        ['--etcd-compaction-interval', opts.etcdCompactionInterval],
      ] as const
    ).find(([, v]) => v !== undefined);
    if (opts.etcdServers !== undefined) throw new Error('--etcd-servers names no URL');
    if (stray) throw new Error(`${stray[0]} needs --etcd-servers`);
    return undefined;
  }
  if (opts.compactionInterval !== undefined) {
    throw new Error(
      '--compaction-interval is for the SQLite store; with --etcd-servers use --etcd-compaction-interval',
    );
  }
  const interval =
    opts.etcdCompactionInterval === undefined
      ? DEFAULT_ETCD_COMPACTION_MS
      : parseDurationFlag('--etcd-compaction-interval', opts.etcdCompactionInterval);
  return {
    endpoints: servers,
    ...(opts.etcdPrefix !== undefined ? { prefix: opts.etcdPrefix } : {}),
    ...(opts.etcdCafile !== undefined ? { caFile: opts.etcdCafile } : {}),
    ...(opts.etcdCertfile !== undefined ? { certFile: opts.etcdCertfile } : {}),
    ...(opts.etcdKeyfile !== undefined ? { keyFile: opts.etcdKeyfile } : {}),
    compactionIntervalMs: interval === 0 ? false : interval,
  };
}

function checkExternalUrl(value: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {}
  if (url?.protocol !== 'https:' || (url.pathname !== '/' && url.pathname !== '')) {
    throw new Error(
      `--external-url must be an https URL with no path, such as https://canopy.example.com:6443, not ${JSON.stringify(value)}`,
    );
  }
}

/** kube-controller-manager's rule: lease duration > renew deadline > retry period > 0. */
function leaderElectionOf(opts: StartOptions): Timing {
  const timing = {
    leaseDurationMs: parseDurationFlag(
      '--leader-elect-lease-duration',
      opts.leaderElectLeaseDuration,
    ),
    renewDeadlineMs: parseDurationFlag(
      '--leader-elect-renew-deadline',
      opts.leaderElectRenewDeadline,
    ),
    retryPeriodMs: parseDurationFlag('--leader-elect-retry-period', opts.leaderElectRetryPeriod),
  };
  if (
    !(timing.leaseDurationMs > timing.renewDeadlineMs) ||
    !(timing.renewDeadlineMs > timing.retryPeriodMs) ||
    timing.retryPeriodMs <= 0
  ) {
    throw new Error(
      '--leader-elect-lease-duration must be longer than --leader-elect-renew-deadline, which must be longer than --leader-elect-retry-period (above 0)',
    );
  }
  return timing;
}

function parseDurationFlag(flag: string, value: string): number {
  try {
    return parseDuration(value);
  } catch {
    throw new Error(
      `${flag} must be a duration such as 5m or 30s${flag.includes('compaction') ? ' (0 turns it off)' : ''}, not ${JSON.stringify(value)}`,
    );
  }
}

/** `--compaction-interval`: every interval, keeping one interval of history; 0 is none. */
function compactionOf(value: string): AutoCompaction | false {
  const ms = parseGoDuration(value);
  if (ms === undefined || ms < 0)
    throw new Error(
      `--compaction-interval must be a duration such as 5m or 30s (0 turns compaction off), not ${JSON.stringify(value)}`,
    );
  return ms === 0 ? false : { intervalMs: ms, windowMs: ms, minRevisions: 0 };
}
