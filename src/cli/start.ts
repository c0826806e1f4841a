/**
 * `canopy start`: runs the API server until SIGTERM or SIGINT. Prints a line containing
 * `ready` once requests are served (tools and tests wait for it). In workspace mode it
 * serves the hub's CatalogEntry API and, unless `--no-hub`, runs the hub on its own HTTPS
 * listener; its base URL goes into the ready line and `<data-dir>/hub-url`.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseGoDuration } from '../apimachinery/duration.ts';
import { servingHosts } from '../apiserver/tls/pki.ts';
import { DEFAULT_HUB_PORT, HUB_URL_FILE, Hub } from '../hub/hub.ts';
import { hubServingCertificate } from '../hub/tls.ts';
import { createLogger, type LogFormat } from '../logging/logger.ts';
import { ApiServer } from '../server/server.ts';
import type { AutoCompaction } from '../storage/sqlite/sqlite-store.ts';
import { parsePort, parsePositiveInteger } from './flags.ts';

interface StartOptions {
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
  hub: boolean;
  hubPort: string;
  uiDir?: string;
}

export function registerStart(program: Command): void {
  program
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
    )
    .option(
      '--compaction-interval <duration>',
      "compact the store this often, keeping one interval of history (as kube-apiserver's --etcd-compaction-interval; 0 turns it off). Default: every minute, keeping 5 minutes and at least 1,000 revisions",
    )
    .option(
      '--max-requests-inflight <n>',
      'requests served at once before new ones get 429 (watches excluded)',
      '2000',
    )
    .option('--no-hub', 'do not run the provider hub and portal in this process')
    .option(
      '--hub-port <port>',
      `HTTPS port of the provider hub and portal on --bind (0 picks a free one)`,
      String(DEFAULT_HUB_PORT),
    )
    .option(
      '--ui-dir <dir>',
      "the portal's built assets the hub serves under /ui/ (default: web/dist of this checkout)",
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
      try {
        port = parsePort('--port', opts.port);
        hubPort = parsePort('--hub-port', opts.hubPort);
        maxInFlight = parsePositiveInteger('--max-requests-inflight', opts.maxRequestsInflight);
        if (opts.compactionInterval !== undefined)
          compaction = compactionOf(opts.compactionInterval);
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
        maxInFlight,
        ...(compaction !== undefined ? { compaction } : {}),
      });
      let hub: Hub | undefined;
      if (!opts.plain && opts.hub) {
        try {
          hub = await Hub.start({
            kubeconfig: server.kubeconfigPath,
            port: hubPort,
            bind: opts.bind,
            tls: await hubServingCertificate(resolve(opts.dataDir), servingHosts(opts.bind)),
            ...(opts.uiDir ? { uiDir: opts.uiDir } : {}),
            logger: logger.child({ component: 'hub' }),
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

/** `--compaction-interval`: every interval, keeping one interval of history; 0 is none. */
function compactionOf(value: string): AutoCompaction | false {
  const ms = parseGoDuration(value);
  if (ms === undefined || ms < 0)
    throw new Error(
      `--compaction-interval must be a duration such as 5m or 30s (0 turns compaction off), not ${JSON.stringify(value)}`,
    );
  return ms === 0 ? false : { intervalMs: ms, windowMs: ms, minRevisions: 0 };
}
