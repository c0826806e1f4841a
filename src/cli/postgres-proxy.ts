/**
 * `canopy postgres-proxy`: the stable read-write, read-only and any-instance endpoints of
 * the PostgreSQL operator's Clusters. The operator starts it (and restarts it when it dies);
 * it is a command of its own so it outlives the operator, as the servers do.
 */
import type { Command } from 'commander';
import { createLogger, type LogFormat } from '../logging/logger.ts';
import { runEndpointProxy } from '../postgres/endpoints/proxy-command.ts';

export function registerPostgresProxy(program: Command): void {
  program
    .command('postgres-proxy')
    .description(
      "serve the stable endpoints of the PostgreSQL operator's Clusters (started by the operator)",
    )
    .requiredOption('--routes <file>', 'the routes file the operator writes (endpoints.json)')
    .option('--pid-file <file>', 'write the process id here once serving')
    .option('--log-format <format>', 'json or text (default: text on a terminal, json otherwise)')
    .addHelpText(
      'after',
      `
Each Cluster gets three ports that never change: read-write (the primary), read-only (the
replicas) and any instance. The operator writes --routes and sends SIGHUP when an instance
changes role; connections to an instance that left an endpoint are closed at once.`,
    )
    .action(async (flags: { routes: string; pidFile?: string; logFormat?: LogFormat }) => {
      const log = createLogger({
        name: 'postgres-proxy',
        ...(flags.logFormat ? { format: flags.logFormat } : {}),
      });
      await runEndpointProxy({
        routes: flags.routes,
        ...(flags.pidFile ? { pidFile: flags.pidFile } : {}),
        log,
      });
    });
}
