/** `kubectl ws`: the entry point of bin/kubectl-ws. */
import { buildKubectlWs, runPlugin } from './commands.ts';
import { exitQuietlyOnClosedPipe, processContext } from './context.ts';

exitQuietlyOnClosedPipe();

process.exitCode = await runPlugin(buildKubectlWs(processContext), process.argv.slice(2), 'Error');
