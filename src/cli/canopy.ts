/**
 * The `canopy` command line. Each subcommand lives in its own module and registers itself
 * here; this file only assembles them.
 */
import { Command } from 'commander';
import { registerDemoStore } from './demo-store.ts';
import { version } from './version.ts';

const program = new Command('canopy')
  .description(
    'Canopy: a multi-tenant control plane for software-as-a-service providers,\n' +
      'compatible with Kubernetes and kcp clients.',
  )
  .version(version, '-v, --version', 'print the Canopy version')
  .showHelpAfterError('(run with --help for usage)');

registerDemoStore(program);

await program.parseAsync(process.argv);
