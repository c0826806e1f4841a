/** `kubectl kcp`: the entry point of bin/kubectl-kcp. */
import { buildKubectlKcp, runPlugin } from './commands.ts';
import { exitQuietlyOnClosedPipe, processContext } from './context.ts';

exitQuietlyOnClosedPipe();

process.exitCode = await runPlugin(buildKubectlKcp(processContext), process.argv.slice(2), 'error');
