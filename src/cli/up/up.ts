/**
 * `canopy up`: the whole local stack in one command — the control plane, a service cluster,
 * the PostgreSQL operator on it and a sync agent between them — with the workshop's
 * workspaces set up, everything kept under one data directory across restarts. Prints
 * progress while it starts, one line containing `ready` once a tenant can create a
 * database, and a summary of what to run next.
 *
 * One run per data directory (`lock.ts`); busy ports are reported with the flag that
 * moves them before anything starts; on a restart the kubeconfigs handed out keep the
 * user's contexts (only server, CA and credentials are refreshed), and the operator's and
 * the agent's metrics and health ports stay what the first start picked.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { ensurePortalBuilt } from '../../../web/build.ts';
import {
  parseKubeconfig,
  refreshKubeconfig,
  serializeKubeconfig,
} from '../../apimachinery/kubeconfig.ts';
import { postgresql } from '../../hub/builtins/postgresql.ts';
import { DEFAULT_HUB_PORT, HUB_URL_FILE } from '../../hub/hub.ts';
import { type LogFormat, logLineField } from '../../logging/logger.ts';
import { freePort } from '../../storage/etcd/local-etcd.ts';
import { parsePort } from '../flags.ts';
import { layout } from './layout.ts';
import { lockDataDir } from './lock.ts';
import { type ChildSpec, Supervisor } from './supervisor.ts';
import {
  EXAMPLES,
  EXPORT_NAME,
  PROVIDER_WORKSPACE,
  publishResources,
  setUpProvider,
  setUpTenant,
  TENANT_WORKSPACE,
} from './world.ts';

interface UpFlags {
  dataDir: string;
  port: string;
  servicePort: string;
  hubPort: string;
  bind: string;
  postgresBin?: string;
  logFormat?: LogFormat;
  etcd?: boolean;
  replicaPort: string;
  etcdPort: string;
  etcdPeerPort: string;
}

const BIN = resolve(import.meta.dirname, '..', '..', '..', 'bin');
const START_TIMEOUT_MS = 60_000;

function portOf(kubeconfig: string): number {
  const config = parseKubeconfig(readFileSync(kubeconfig, 'utf8'));
  return Number(new URL(config.clusters[0]?.cluster.server ?? '').port);
}

/**
 * The kubeconfig a server wrote, handed out as `to`: a copy the first time; later, `to`
 * refreshed (server, CA, credentials) with the user's contexts and current context kept —
 * `kubectl ws use` moved it, and a restart must not move the user back to root. Written
 * whole (rename), private like the original.
 */
function handOutKubeconfig(from: string, to: string): void {
  const fresh = parseKubeconfig(readFileSync(from, 'utf8'));
  const next = existsSync(to)
    ? refreshKubeconfig(parseKubeconfig(readFileSync(to, 'utf8')), fresh)
    : fresh;
  const temporary = `${to}.${process.pid}.tmp`;
  writeFileSync(temporary, serializeKubeconfig(next), { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, to);
}

/** Fails naming the flag (and variable) that moves a port something else already listens on. */
async function ensurePortFree(
  bind: string,
  port: number,
  what: string,
  flag: string,
  env: string,
): Promise<void> {
  if (port === 0) return;
  const problem = await new Promise<string | undefined>((done) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      done(err.code === 'EADDRINUSE' ? 'the address is in use' : err.message),
    );
    probe.listen(port, bind, () => probe.close(() => done(undefined)));
  });
  if (problem) {
    throw new Error(
      `cannot listen on ${bind}:${port} for ${what}: ${problem}; stop the program using it or choose another port with ${flag} (or ${env}; 0 picks a free one)`,
    );
  }
}

/** `host:port` of a URL a child printed, so a restarted child serves where the first did. */
function addressOf(url: string | undefined, fallback: string): string {
  if (!url) return fallback;
  const u = new URL(url);
  return `${u.hostname.replace(/^\[|\]$/g, '')}:${u.port}`;
}

/** How the user started this: `npm start` runs `canopy up` with npm's lifecycle variables set. */
function invokedAs(): string {
  return process.env.npm_lifecycle_event === 'start' ? 'npm start' : 'canopy up';
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description(
      'run the whole local stack: control plane, service cluster, PostgreSQL operator and sync agent, with the workshop set up',
    )
    .addOption(
      new Option('--data-dir <dir>', 'where every process keeps its data, kubeconfigs and logs')
        .env('CANOPY_DATA_DIR')
        .default('.canopy'),
    )
    .addOption(
      new Option('--port <port>', 'HTTPS port of the control plane (0 picks a free one)')
        .env('CANOPY_PORT')
        .default('6443'),
    )
    .addOption(
      new Option('--service-port <port>', 'HTTPS port of the service cluster (0 picks a free one)')
        .env('CANOPY_SERVICE_PORT')
        .default('6444'),
    )
    .addOption(
      new Option('--hub-port <port>', 'HTTPS port of the hub and portal (0 picks a free one)')
        .env('CANOPY_HUB_PORT')
        .default(String(DEFAULT_HUB_PORT)),
    )
    .option('--bind <address>', 'address every server listens on', '127.0.0.1')
    .addOption(
      new Option(
        '--log-format <format>',
        "format of the processes' logs in <data-dir>/logs (default: text when this runs on a terminal, json otherwise)",
      ).choices(['json', 'text']),
    )
    .option(
      '--etcd',
      'the high-availability layout: a local etcd (canopy etcd) and two control-plane replicas on it',
    )
    .addOption(
      new Option(
        '--replica-port <port>',
        'with --etcd: HTTPS port of the second replica (0 picks a free one)',
      )
        .env('CANOPY_REPLICA_PORT')
        .default('6445'),
    )
    .addOption(
      new Option('--etcd-port <port>', 'with --etcd: etcd’s client port (0 picks a free one)')
        .env('CANOPY_ETCD_PORT')
        .default('2379'),
    )
    .addOption(
      new Option('--etcd-peer-port <port>', 'with --etcd: etcd’s peer port (0 picks a free one)')
        .env('CANOPY_ETCD_PEER_PORT')
        .default('2380'),
    )
    .option(
      '--postgres-bin <dir>',
      'directory with initdb and postgres (default: found as canopy postgres-operator finds it)',
    )
    .addHelpText(
      'after',
      `
The control plane runs the provider hub, which serves the portal (built from web/ first when
its sources changed); its URL is in DIR/hub-url and in the summary. The data directory holds
admin.kubeconfig (control plane, context root), provider.kubeconfig
(service cluster), sync-agent.kubeconfig (control plane, in ${PROVIDER_WORKSPACE}), each
process's data and logs/<process>.log. A second run on the same directory brings back every
workspace, object and database, and keeps the contexts you chose in admin.kubeconfig (only
its server, CA and credentials are refreshed); two runs on one directory at once are refused.
Ctrl-C (or SIGTERM) stops every process, PostgreSQL servers included; a process that
crashes is restarted and reported.

With --etcd the control plane is two replicas (control-plane, control-plane-2; the second's
kubeconfig is admin-2.kubeconfig) sharing pki/ and a local etcd (etcd/); the controllers run
on one of them at a time. A data directory is one layout or the other for good.`,
    )
    .action(async (flags: UpFlags) => {
      await up(flags);
    });
}

async function up(flags: UpFlags): Promise<void> {
  const paths = layout(flags.dataDir);
  let controlPlanePort = parsePort('--port', flags.port);
  let servicePort = parsePort('--service-port', flags.servicePort);
  let hubPort = parsePort('--hub-port', flags.hubPort);
  let replicaPort = parsePort('--replica-port', flags.replicaPort);
  const etcdPort = parsePort('--etcd-port', flags.etcdPort);
  const etcdPeerPort = parsePort('--etcd-peer-port', flags.etcdPeerPort);
  checkLayout(paths, flags.etcd === true);
  const logFormat: LogFormat = flags.logFormat ?? (process.stdout.isTTY ? 'text' : 'json');
  const command = invokedAs();
  const started = performance.now();
  const say = (line: string) => {
    const at = ((performance.now() - started) / 1000).toFixed(1).padStart(5);
    process.stdout.write(`[${at}s] ${line}\n`);
  };

  mkdirSync(paths.postgres, { recursive: true });
  // Before anything is printed: a second run on this directory would report the first's lines.
  const unlock = lockDataDir(paths.dir);
  await ensurePortFree(flags.bind, controlPlanePort, 'the control plane', '--port', 'CANOPY_PORT');
  await ensurePortFree(
    flags.bind,
    servicePort,
    'the service cluster',
    '--service-port',
    'CANOPY_SERVICE_PORT',
  );
  await ensurePortFree(flags.bind, hubPort, 'the hub and portal', '--hub-port', 'CANOPY_HUB_PORT');
  if (flags.etcd) {
    await ensurePortFree(
      flags.bind,
      replicaPort,
      'the second control-plane replica',
      '--replica-port',
      'CANOPY_REPLICA_PORT',
    );
    await ensurePortFree('127.0.0.1', etcdPort, 'etcd', '--etcd-port', 'CANOPY_ETCD_PORT');
    await ensurePortFree(
      '127.0.0.1',
      etcdPeerPort,
      'etcd’s peers',
      '--etcd-peer-port',
      'CANOPY_ETCD_PEER_PORT',
    );
  }
  // etcd needs its ports before it starts; they hold for this run's restarts.
  const etcdUrl = `http://127.0.0.1:${etcdPort || (await freePort())}`;
  const etcdPeer = etcdPeerPort || (await freePort());
  // PostgreSQL runs as its own user when Canopy runs as root; it must be able to reach its directory.
  chmodSync(paths.dir, 0o711);
  chmodSync(paths.postgres, 0o711);
  say(`data in ${paths.dir}`);

  const supervisor = new Supervisor({
    crashed: (name, how, delayMs) =>
      say(`${name} ${how}; restarting it in ${delayMs / 1000} s (log: ${logOf(name)})`),
    recovered: (name) => say(`${name} is running again`),
    restartFailed: (name, message) => say(`${name} did not come back: ${message.split('\n')[0]}`),
  });
  const logOf = (name: string) => join(paths.logs, `${name}.log`);
  // etcd logs JSON lines of its own; every other child is told how to log.
  const child = (name: string, ready: RegExp, args: () => string[]): ChildSpec => ({
    name,
    args: () => (name === 'etcd' ? args() : [...args(), '--log-format', logFormat]),
    ready,
    logFile: logOf(name),
    readyTimeoutMs: START_TIMEOUT_MS,
  });

  let stopping = false;
  const stop = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    say(`${why}: stopping every process (PostgreSQL servers included)`);
    await supervisor.stop();
    say('stopped');
    unlock();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop('interrupted', 0));
  process.on('SIGTERM', () => void stop('terminated', 0));

  // Port 0 the first time; what the child got once it is ready, so a restart serves there too.
  let operatorMetrics = `${flags.bind}:0`;
  let agentMetrics = `${flags.bind}:0`;
  let agentHealth = `${flags.bind}:0`;
  const endpoints: Endpoints = {};
  try {
    // The hub serves the portal from web/dist: build it first if its sources changed.
    if ((await ensurePortalBuilt(say)) === 'built') say('portal built');
    if (flags.etcd) {
      say(`starting etcd at ${etcdUrl}`);
      await supervisor.start(
        child('etcd', /etcd ready/, () => [
          'etcd',
          '--data-dir',
          paths.etcd,
          '--client-port',
          new URL(etcdUrl).port,
          '--peer-port',
          String(etcdPeer),
        ]),
      );
    }
    const onEtcd = flags.etcd ? ['--etcd-servers', etcdUrl, '--pki-dir', paths.pki] : [];
    say(
      flags.etcd
        ? `starting two control-plane replicas on etcd and the service cluster (logs in ${paths.logs})`
        : `starting the control plane and the service cluster (logs in ${paths.logs})`,
    );
    await Promise.all([
      supervisor.start(
        child('control-plane', /API server ready/, () => [
          'start',
          '--data-dir',
          paths.controlPlane,
          '--port',
          String(controlPlanePort),
          '--bind',
          flags.bind,
          '--hub-port',
          String(hubPort),
          '--builtin-providers',
          postgresql.name,
          ...onEtcd,
        ]),
      ),
      ...(flags.etcd
        ? [
            supervisor.start(
              // The hub runs beside the first replica; the second serves the API.
              child('control-plane-2', /API server ready/, () => [
                'start',
                '--data-dir',
                paths.controlPlane2,
                '--port',
                String(replicaPort),
                '--bind',
                flags.bind,
                '--no-hub',
                '--builtin-providers',
                postgresql.name,
                ...onEtcd,
              ]),
            ),
          ]
        : []),
      supervisor.start(
        child('service-cluster', /API server ready/, () => [
          'start',
          '--plain',
          '--data-dir',
          paths.serviceCluster,
          '--port',
          String(servicePort),
          '--bind',
          flags.bind,
        ]),
      ),
    ]);
    // A restarted server keeps the port it got, so the kubeconfigs stay right.
    handOutKubeconfig(join(paths.controlPlane, 'admin.kubeconfig'), paths.adminKubeconfig);
    handOutKubeconfig(join(paths.serviceCluster, 'admin.kubeconfig'), paths.providerKubeconfig);
    controlPlanePort = portOf(paths.adminKubeconfig);
    servicePort = portOf(paths.providerKubeconfig);
    if (flags.etcd) {
      handOutKubeconfig(join(paths.controlPlane2, 'admin.kubeconfig'), paths.adminKubeconfig2);
      replicaPort = portOf(paths.adminKubeconfig2);
      say(`second control-plane replica up on port ${replicaPort}, both on etcd at ${etcdUrl}`);
    }
    copyFileSync(join(paths.controlPlane, HUB_URL_FILE), paths.hubUrl);
    hubPort = Number(new URL(readFileSync(paths.hubUrl, 'utf8').trim()).port);
    say(
      `control plane up on port ${controlPlanePort} (portal ${portalUrl(paths)}), service cluster on port ${servicePort}`,
    );

    say('starting the PostgreSQL operator on the service cluster');
    const operator = supervisor.start({
      ...child('postgres-operator', /PostgreSQL operator ready/, () => [
        'postgres-operator',
        '--kubeconfig',
        paths.providerKubeconfig,
        '--data-dir',
        paths.postgres,
        '--bind',
        flags.bind,
        '--metrics-address',
        operatorMetrics,
        '--stop-servers-on-exit',
        ...(flags.postgresBin ? ['--postgres-bin', flags.postgresBin] : []),
      ]),
      // Its servers stop in fast mode, escalating to SIGQUIT and SIGKILL after 10 and 5 s
      // (src/postgres/operator.ts stop): a SIGKILL of the operator before then would
      // leave them running.
      stopGraceMs: 40_000,
    });
    say(`setting up the provider workspace ${PROVIDER_WORKSPACE} with APIExport ${EXPORT_NAME}`);
    await setUpProvider(paths.adminKubeconfig, paths.syncAgentKubeconfig);
    endpoints.operatorMetrics = logLineField(await operator, 'metrics');
    operatorMetrics = addressOf(endpoints.operatorMetrics, operatorMetrics);

    say('starting the sync agent');
    const agentReady = await supervisor.start(
      child('syncagent', /sync agent ready/, () => [
        'syncagent',
        '--namespace',
        'default',
        '--apiexport-ref',
        EXPORT_NAME,
        '--kcp-kubeconfig',
        paths.syncAgentKubeconfig,
        '--kubeconfig',
        paths.providerKubeconfig,
        '--metrics-address',
        agentMetrics,
        '--health-address',
        agentHealth,
      ]),
    );
    endpoints.agentMetrics = logLineField(agentReady, 'metrics');
    endpoints.agentHealth = logLineField(agentReady, 'health');
    agentMetrics = addressOf(endpoints.agentMetrics, agentMetrics);
    agentHealth = addressOf(endpoints.agentHealth, agentHealth);
    say('publishing Cluster and Database from the service cluster');
    await publishResources(paths.providerKubeconfig);
    say(`setting up the tenant workspace ${TENANT_WORKSPACE}, bound to ${EXPORT_NAME}`);
    await setUpTenant(paths.adminKubeconfig, START_TIMEOUT_MS);
  } catch (err) {
    process.stderr.write(`canopy up: ${(err as Error).message}\n`);
    await stop('start-up failed', 1);
    return;
  }

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (flags.etcd) endpoints.etcd = etcdUrl;
  process.stdout.write(`${summary(paths, seconds, endpoints, command)}\n`);
}

/** A data directory keeps the layout it was made with: its objects live in one store. */
function checkLayout(paths: ReturnType<typeof layout>, etcd: boolean): void {
  if (etcd && existsSync(join(paths.controlPlane, 'store.db'))) {
    throw new Error(
      `${paths.dir} holds a control plane without etcd (its objects are in control-plane/store.db): run canopy up without --etcd there, or give --etcd another --data-dir`,
    );
  }
  if (!etcd && existsSync(paths.etcd)) {
    throw new Error(
      `${paths.dir} holds the --etcd layout (its objects are in etcd/): run canopy up --etcd there, or use another --data-dir`,
    );
  }
}

/** Where the operator and the agent serve metrics and health (from their ready lines). */
interface Endpoints {
  operatorMetrics?: string | undefined;
  agentMetrics?: string | undefined;
  agentHealth?: string | undefined;
  /** With --etcd: etcd's client URL. */
  etcd?: string | undefined;
}

/** The portal's address: the hub's base URL (DIR/hub-url), under /ui/. */
function portalUrl(paths: ReturnType<typeof layout>): string {
  return `${readFileSync(paths.hubUrl, 'utf8').trim()}/ui/`;
}

/**
 * What to do next. The tenant's lines are meant for a new terminal, which may start
 * elsewhere and lack Node 24 (the plugins' runtime): they cd here and put this Node on PATH.
 */
function summary(
  paths: ReturnType<typeof layout>,
  seconds: string,
  endpoints: Endpoints,
  command: string,
): string {
  const show = (file: string) => {
    const rel = relative(process.cwd(), file);
    return rel.startsWith('..') ? file : rel;
  };
  const examples = show(EXAMPLES);
  const serving = (metrics: string | undefined, health: string | undefined) =>
    [metrics && `${metrics}/metrics`, health && `${health}/healthz`].filter(Boolean).join('  ');
  return `Canopy is ready: a tenant can create a database (started in ${seconds} s).

  portal (web console)         ${portalUrl(paths)}
  control plane (admin)        ${show(paths.adminKubeconfig)}${
    endpoints.etcd
      ? `
  second replica (admin)       ${show(paths.adminKubeconfig2)}
  etcd                         ${endpoints.etcd}`
      : ''
  }
  service cluster (provider)   ${show(paths.providerKubeconfig)}
  sync agent                   ${show(paths.syncAgentKubeconfig)}
  logs                         ${show(paths.logs)}/
  PostgreSQL operator          ${serving(endpoints.operatorMetrics, endpoints.operatorMetrics)}
  sync agent metrics, health   ${serving(endpoints.agentMetrics, endpoints.agentHealth)}

In another terminal (these lines work from any directory and shell), as the tenant:

  cd ${process.cwd()}
  export PATH=${BIN}:${dirname(process.execPath)}:$PATH
  export KUBECONFIG=${paths.adminKubeconfig}
  export CANOPY_HUB_URL=${readFileSync(paths.hubUrl, 'utf8').trim()}
  kubectl ws use :${TENANT_WORKSPACE}
  canopy providers list

then create a database and connect to it:

  kubectl apply -f ${examples}/consumer-1-cluster.yaml -f ${examples}/consumer-1-database.yaml
  kubectl wait --for=condition=Ready cluster/kcp --timeout=120s
  psql "$(kubectl get secret kcp-app -o jsonpath='{.data.uri}' | base64 -d)"

Ctrl-C stops everything; \`${command}${endpoints.etcd ? (command === 'npm start' ? ' -- --etcd' : ' --etcd') : ''}\` again brings it all back, with your workspace and
contexts in ${show(paths.adminKubeconfig)} as you left them.`;
}
