/**
 * `canopy postgres-operator`: reconciles CloudNativePG's `postgresql.cnpg.io/v1` Cluster
 * and Database objects by running real PostgreSQL servers as local processes. Prints a
 * line containing `ready` once it reconciles. On SIGTERM/SIGINT it stops reconciling and
 * leaves the servers running (a restarted operator adopts them), unless
 * --stop-servers-on-exit.
 */
import type { Command } from 'commander';
import { createLogger, type LogFormat } from '../logging/logger.ts';
import { PostgresOperator } from '../postgres/operator.ts';
import { version } from './version.ts';

interface OperatorFlags {
  kubeconfig?: string;
  context?: string;
  dataDir: string;
  postgresBin?: string;
  bind: string;
  metricsAddress: string;
  stopServersOnExit?: boolean;
  runAsUser: string;
  nodeName?: string;
  logFormat?: LogFormat;
  logLevel?: string;
}

export function registerPostgresOperator(program: Command): void {
  program
    .command('postgres-operator')
    .description(
      "run the PostgreSQL operator: CloudNativePG's Cluster and Database API on real PostgreSQL servers run as local processes",
    )
    .option('--kubeconfig <file>', 'kubeconfig of the API server to watch (default: $KUBECONFIG)')
    .option('--context <name>', 'kubeconfig context (default: the current one)')
    .option(
      '--data-dir <dir>',
      'where instances keep their data, logs and state',
      '.canopy/postgres',
    )
    .option(
      '--postgres-bin <dir>',
      'directory with initdb, postgres, pg_basebackup, pg_rewind (default: pg_config --bindir, then /usr/lib/postgresql/<newest>/bin)',
    )
    .option(
      '--bind <address>',
      'address PostgreSQL servers listen on and Secrets point at',
      '127.0.0.1',
    )
    .option(
      '--metrics-address <host:port>',
      'serve /metrics and /healthz here (port 0 picks one; "" disables)',
      '127.0.0.1:8086',
    )
    .option(
      '--stop-servers-on-exit',
      'stop every PostgreSQL server on SIGTERM/SIGINT instead of leaving them running',
    )
    .option(
      '--run-as-user <name>',
      'OS user for PostgreSQL when the operator runs as root (PostgreSQL refuses root)',
      'postgres',
    )
    .option(
      '--node-name <name>',
      "the Node the instances' Pods run on, as registered with the API server (default: this machine's host name)",
    )
    .option('--log-format <format>', 'json or text (default: text on a terminal, json otherwise)')
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .addHelpText(
      'after',
      `
Each Cluster instance is a PostgreSQL server on --bind (default 127.0.0.1) with its own
free port, data directory and log under --data-dir/<namespace>/<cluster>/<instance>/.
Each Cluster also gets three stable ports (read-write, read-only, any instance) served by
canopy postgres-proxy, which the operator starts; Secrets <cluster>-app (always) and
<cluster>-superuser (when generated) carry the read-write one, which follows failover.
On a server that serves them, instances are Pods on the Node --node-name, and
<cluster>-rw/-ro/-r are Services: kubectl logs and kubectl port-forward work through it.

Running as root, PostgreSQL programs run as --run-as-user (default postgres) and the data
directories are handed to that user. PostgreSQL servers and the endpoint proxy keep
running when the operator stops (SIGTERM, SIGINT or SIGKILL); the next start adopts them.`,
    )
    .action(async (flags: OperatorFlags) => {
      const log = createLogger({
        name: 'postgres-operator',
        ...(flags.logFormat ? { format: flags.logFormat } : {}),
        ...(flags.logLevel ? { level: flags.logLevel } : {}),
      });
      const kubeconfig = flags.kubeconfig ?? process.env.KUBECONFIG?.split(':')[0];
      if (!kubeconfig) program.error('--kubeconfig is required (or set KUBECONFIG)');
      const operator = await PostgresOperator.start({
        kubeconfig: kubeconfig as string,
        ...(flags.context ? { context: flags.context } : {}),
        dataDir: flags.dataDir,
        ...(flags.postgresBin ? { postgresBin: flags.postgresBin } : {}),
        bind: flags.bind,
        metricsAddress: flags.metricsAddress,
        stopServersOnExit: flags.stopServersOnExit === true,
        runAsUser: flags.runAsUser,
        ...(flags.nodeName ? { nodeName: flags.nodeName } : {}),
        version,
        log,
      });
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal, stopServers: flags.stopServersOnExit === true }, 'shutting down');
        await operator.stop();
        log.info('stopped');
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
    });
}
