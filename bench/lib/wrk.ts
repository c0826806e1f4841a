/**
 * Load from wrk, the HTTP/1.1 keep-alive load generator in C (Debian's `wrk` package), for
 * the API benchmark's creates and GETs. A Node client spends more CPU per request than
 * the server it measures (on two cores it took one whole core and added about 200 µs to
 * each serial create), so what it measured was largely itself. wrk runs one thread.
 *
 * Every measured run follows a one-second warm-up of the same kind, which warms the server
 * (JIT, caches); the measured run opens its own connections.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseKubeconfig } from '../../src/apimachinery/kubeconfig.ts';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, 'wrk-load.lua');
const WARM_UP_MS = 1000;

export interface WrkResult {
  readonly perSecond: number;
  /** Latency percentiles, ms. */
  readonly p50: number;
  readonly p99: number;
}

export interface WrkLoad {
  /** Where to send the load, and as whom. */
  readonly target: WrkTarget;
  readonly connections: number;
  readonly durationMs: number;
  /** GET this path… */
  readonly get?: string;
  /** …or create ConfigMaps named `<prefix><n>` in this namespace. */
  readonly create?: { readonly namespace: string; readonly prefix: string };
  /** Called when the warm-up is over and the measured run starts (to read counters then). */
  readonly measuring?: () => void;
}

export interface WrkTarget {
  /** https://host:port */
  readonly server: string;
  readonly token: string;
}

/** The server and bearer token of a kubeconfig's first cluster and user. */
export function targetOf(kubeconfig: string): WrkTarget {
  const config = parseKubeconfig(readFileSync(kubeconfig, 'utf8'));
  return {
    server: config.clusters[0]?.cluster.server ?? '',
    token: config.users[0]?.user.token ?? '',
  };
}

interface WrkOutput {
  requests: number;
  durationUs: number;
  p50Us: number;
  p99Us: number;
  statusErrors: number;
  socketErrors: number;
}

/** Runs a warm-up, then the measured load; throws on any answer other than 2xx or 3xx, or a socket error. */
export async function wrk(load: WrkLoad): Promise<WrkResult> {
  await once(load, WARM_UP_MS, 'warm-', true);
  load.measuring?.();
  const out = await once(load, load.durationMs, '', false);
  return {
    perSecond: out.requests / (out.durationUs / 1e6),
    p50: out.p50Us / 1000,
    p99: out.p99Us / 1000,
  };
}

/**
 * One wrk run. A warm-up may complete nothing (a server just started on a loaded machine
 * spends the second on its connections' TLS handshakes); it still may not fail requests.
 */
async function once(
  load: WrkLoad,
  ms: number,
  namePrefix: string,
  warmUp: boolean,
): Promise<WrkOutput> {
  const { server, token } = load.target;
  const env: NodeJS.ProcessEnv = { ...process.env, CANOPY_TOKEN: token };
  if (load.create) {
    env.CREATE_NAMESPACE = load.create.namespace;
    env.CREATE_PREFIX = `${namePrefix}${load.create.prefix}`;
  }
  const args = ['-t1', `-c${load.connections}`, `-d${ms / 1000}s`, '-s', SCRIPT];
  let stdout: string;
  try {
    ({ stdout } = await run('wrk', [...args, `${server}${load.get ?? '/'}`], { env }));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'the API benchmark needs wrk, an HTTP load generator: install Debian\'s package with "apt-get install wrk"',
      );
    }
    throw err;
  }
  const line = stdout.split('\n').find((l) => l.startsWith('wrk-result '));
  if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
  const out = JSON.parse(line.slice('wrk-result '.length)) as WrkOutput;
  if (out.statusErrors > 0 || out.socketErrors > 0 || (out.requests === 0 && !warmUp)) {
    throw new Error(
      `wrk: ${out.requests} requests, ${out.statusErrors} answered other than 2xx/3xx, ${out.socketErrors} socket errors`,
    );
  }
  return out;
}
