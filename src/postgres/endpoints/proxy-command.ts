/**
 * The endpoint proxy process (`canopy postgres-proxy`), started by the operator and left
 * running when it stops, like the PostgreSQL servers: the Clusters' stable endpoints keep
 * carrying connections while no operator runs (kube-proxy keeps Services working without
 * their operator too). It serves the routes file and reloads it on SIGHUP; SIGTERM closes
 * every endpoint.
 */
import { writeFileSync } from 'node:fs';
import type { Logger } from '../../logging/logger.ts';
import { EndpointProxy } from '../runtime/endpoint-proxy.ts';
import { readRoutes } from './routes-file.ts';

export async function runEndpointProxy(options: {
  routes: string;
  pidFile?: string;
  log: Logger;
}): Promise<void> {
  const { log } = options;
  const proxy = new EndpointProxy({
    onError: (message, details) => log.warn(details, message),
  });
  let applying = Promise.resolve();
  const reload = (why: string) => {
    applying = applying.then(async () => {
      try {
        const routes = readRoutes(options.routes);
        await proxy.apply(routes);
        log.info(
          {
            why,
            clusters: Object.keys(routes.clusters).length,
            listening: proxy.listening().length,
          },
          'routes applied',
        );
      } catch (err) {
        log.error(
          { err: (err as Error).message },
          'cannot apply the routes file; keeping the last routes',
        );
      }
    });
    return applying;
  };
  // Serves until told to stop, even while no Cluster has an endpoint.
  setInterval(() => {}, 1 << 30);
  // Handlers first: the operator signals only a proxy whose pid file exists.
  process.on('SIGHUP', () => void reload('SIGHUP'));
  await reload('start');
  if (options.pidFile) writeFileSync(options.pidFile, `${process.pid}\n`);
  const stop = (signal: string) => {
    log.info({ signal }, 'stopping: closing every endpoint');
    proxy.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  // A Ctrl-C meant for the operator reaches its whole process group: the endpoints stay.
  process.on('SIGINT', () =>
    log.info('SIGINT ignored: the endpoints keep serving (SIGTERM stops them)'),
  );
  log.info({ routes: options.routes }, 'endpoint proxy ready');
}
