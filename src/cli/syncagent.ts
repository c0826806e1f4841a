/**
 * `canopy syncagent`: kcp's api-syncagent, with its flags. Connects a service cluster to a
 * provider workspace (see src/syncagent/agent.ts). Prints "sync agent ready" once its
 * controllers run. SIGTERM/SIGINT stop it cleanly (a leader releases its Lease). A replica
 * that loses its Lease (the service cluster unreachable past the renew deadline) stops its
 * controllers and campaigns again, rather than exiting as controller-runtime does.
 */
import { type Command, Option } from 'commander';
import { createLogger, type LogFormat } from '../logging/logger.ts';
import { SyncAgent } from '../syncagent/agent.ts';
import { parseDuration } from './flags.ts';

interface SyncAgentFlags {
  kcpKubeconfig?: string;
  kubeconfig?: string;
  kubeconfigHostOverride?: string;
  kubeconfigCaFileOverride?: string;
  apiexportRef?: string;
  apiexportendpointsliceRef?: string;
  apiexportHostportOverride: string[];
  namespace?: string;
  agentName?: string;
  publishedResourceSelector?: string;
  enableLeaderElection?: boolean;
  leaderElectionLeaseDuration: number;
  leaderElectionRenewDeadline: number;
  leaderElectionRetryPeriod: number;
  metricsAddress: string;
  healthAddress: string;
  disabledControllers: string[];
  workspaceCleanupDelay: number;
  concurrency?: number;
  logFormat?: string;
  logLevel?: string;
  logDebug?: boolean;
}

const list = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

const duration = (flags: string, description: string, fallback: string) =>
  new Option(flags, description)
    .default(parseDuration(fallback), fallback)
    .argParser(parseDuration);

const bool = (value: string | undefined) => value === undefined || /^(true|1|yes)$/i.test(value);

export function registerSyncAgent(program: Command): void {
  program
    .command('syncagent')
    .description(
      "kcp's api-syncagent: publish a service cluster's CRDs in a kcp APIExport and sync every tenant's objects",
    )
    .option(
      '--kcp-kubeconfig <file>',
      'kubeconfig of kcp; its context must point at the provider workspace',
    )
    .option('--apiexport-ref <name>', 'name of the APIExport in that workspace')
    .option(
      '--apiexportendpointslice-ref <name>',
      'name of the APIExportEndpointSlice in that workspace (kcp 0.28+)',
    )
    .option(
      '--namespace <namespace>',
      'namespace the agent runs in: Lease and object-state Secrets',
    )
    .option(
      '--kubeconfig <file>',
      'kubeconfig of the service cluster (default: $KUBECONFIG, ~/.kube/config, in-cluster)',
    )
    .option('--kubeconfig-host-override <url>', 'override the server of the service kubeconfig')
    .option('--kubeconfig-ca-file-override <file>', 'override the CA of the service kubeconfig')
    .option(
      '--apiexport-hostport-override <original=new>',
      'rewrite host:port of endpoint URLs (original-host:port=new-host:port; repeatable)',
      list,
      [],
    )
    .option(
      '--agent-name <name>',
      'name of this agent, must not change after the first run (default: <ref>-syncagent)',
    )
    .option(
      '--published-resource-selector <selector>',
      'only process PublishedResources matching this label selector',
    )
    .option(
      '--enable-leader-election [bool]',
      'elect a leader among replicas (Lease in --namespace)',
      bool,
    )
    .addOption(duration('--leader-election-lease-duration <duration>', 'Lease duration', '15s'))
    .addOption(duration('--leader-election-renew-deadline <duration>', 'renew deadline', '10s'))
    .addOption(duration('--leader-election-retry-period <duration>', 'retry period', '2s'))
    .option(
      '--metrics-address <host:port>',
      'serve Prometheus /metrics here ("" disables, port 0 picks one)',
      '127.0.0.1:8085',
    )
    .option('--health-address <host:port>', 'serve /healthz and /readyz here ("" disables)', '')
    .option(
      '--disabled-controllers <names>',
      'controllers not to run: apiexport, apiresourceschema, sync (comma-separated; repeatable)',
      list,
      [],
    )
    .addOption(
      duration(
        '--workspace-cleanup-delay <duration>',
        'how long a workspace must stay unbound before its service-side objects and namespaces go',
        '30s',
      ),
    )
    .option('--concurrency <n>', 'objects synced in parallel per PublishedResource', (v) =>
      Number(v),
    )
    .option('--log-format <format>', 'json or text (console = text; default: text on a terminal)')
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .option('--log-debug', 'same as --log-level debug')
    .addHelpText(
      'after',
      `
The kcp kubeconfig's server must point at the provider workspace
(https://kcp.example/clusters/root:providers:database); the agent reads the workspace's
LogicalCluster for its logical cluster name and manages the APIExport found there. It
installs the PublishedResource CRD (syncagent.kcp.io/v1alpha1) on the service cluster when
absent, and accepts PublishedResources in api-syncagent's v0.2 shape and the current one.

Example (the kcp workshop):
  canopy syncagent --namespace default --apiexport-ref postgresql.cnpg.io \\
    --kcp-kubeconfig sync-agent.kubeconfig --kubeconfig provider.kubeconfig`,
    )
    .action(async (flags: SyncAgentFlags) => {
      const format = flags.logFormat === 'console' ? 'text' : flags.logFormat;
      const log = createLogger({
        name: 'syncagent',
        ...(format ? { format: format as LogFormat } : {}),
        level: flags.logDebug ? 'debug' : (flags.logLevel ?? 'info'),
      });
      const agent = SyncAgent.create({
        kcpKubeconfig: flags.kcpKubeconfig ?? '',
        ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
        ...(flags.kubeconfigHostOverride
          ? { kubeconfigHostOverride: flags.kubeconfigHostOverride }
          : {}),
        ...(flags.kubeconfigCaFileOverride
          ? { kubeconfigCaFileOverride: flags.kubeconfigCaFileOverride }
          : {}),
        ...(flags.apiexportRef ? { apiExportRef: flags.apiexportRef } : {}),
        ...(flags.apiexportendpointsliceRef
          ? { apiExportEndpointSliceRef: flags.apiexportendpointsliceRef }
          : {}),
        apiExportHostPortOverrides: flags.apiexportHostportOverride,
        namespace: flags.namespace ?? '',
        ...(flags.agentName ? { agentName: flags.agentName } : {}),
        ...(flags.publishedResourceSelector
          ? { publishedResourceSelector: flags.publishedResourceSelector }
          : {}),
        enableLeaderElection: flags.enableLeaderElection === true,
        leaseDurationMs: flags.leaderElectionLeaseDuration,
        renewDeadlineMs: flags.leaderElectionRenewDeadline,
        retryPeriodMs: flags.leaderElectionRetryPeriod,
        metricsAddress: flags.metricsAddress,
        healthAddress: flags.healthAddress,
        disabledControllers: flags.disabledControllers,
        workspaceCleanupDelayMs: flags.workspaceCleanupDelay,
        ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
        log,
      });
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'shutting down');
        const force = setTimeout(() => process.exit(1), 15_000);
        force.unref();
        await agent.stop();
        log.info('stopped');
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
      await agent.run();
      // Stay up while standing by for leadership (the agent's own timers do not hold the process).
      setInterval(() => undefined, 1 << 30);
    });
}
