/**
 * The `canopy` command line. Each subcommand lives in its own module and registers itself
 * here; this file only assembles them.
 */
import { Command } from 'commander';
import { registerEtcd } from './etcd.ts';
import { registerHub } from './hub.ts';
import { registerKubeconfig } from './kubeconfig.ts';
import { registerPostgresOperator } from './postgres-operator.ts';
import { registerPostgresProxy } from './postgres-proxy.ts';
import { registerProviders } from './providers.ts';
import { registerStart } from './start.ts';
import { registerSyncAgent } from './syncagent.ts';
import { exitWithSupervisor } from './up/parent-watch.ts';
import { registerUp } from './up/up.ts';
import { version } from './version.ts';

const program = new Command('canopy')
  .description(
    'Canopy: a multi-tenant control plane for software-as-a-service providers,\n' +
      'compatible with Kubernetes and kcp clients.',
  )
  .version(version, '-v, --version', 'print the Canopy version')
  .showHelpAfterError('(run with --help for usage)');

registerUp(program);
registerStart(program);
registerEtcd(program);
registerHub(program);
registerProviders(program);
registerPostgresOperator(program);
registerPostgresProxy(program);
registerSyncAgent(program);
registerKubeconfig(program);

exitWithSupervisor();

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Expected failures (bad flags, a port in use) get one clear line, not a stack trace.
  process.stderr.write(`canopy: ${(err as Error).message}\n`);
  if (process.env.CANOPY_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
}
