/** `kubectl create workspace`: the entry point of bin/kubectl-create-workspace. */
import { buildKubectlCreateWorkspace, runPlugin } from './commands.ts';
import { exitQuietlyOnClosedPipe, processContext } from './context.ts';

exitQuietlyOnClosedPipe();

process.exitCode = await runPlugin(
  buildKubectlCreateWorkspace(processContext),
  process.argv.slice(2),
  'Error',
);
