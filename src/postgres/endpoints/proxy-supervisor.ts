/**
 * The operator's side of the endpoint proxy process: starts `canopy postgres-proxy` when it
 * is not running (a pid file, checked against the process table and command line, finds one
 * a previous operator left), publishes routes (the file, then SIGHUP) only when they change,
 * and stops it when the operator is asked to stop its servers.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../logging/logger.ts';
import type { ProxyRoutes } from '../runtime/endpoint-proxy.ts';
import type { ServerUser } from '../runtime/os-user.ts';
import {
  commandLine,
  isAlive,
  signalProcess,
  spawnDetached,
  stopProcess,
  waitUntil,
} from '../runtime/process.ts';
import { PROXY_LOG_FILE, PROXY_PID_FILE, routesPath, writeRoutes } from './routes-file.ts';

const CANOPY_BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'canopy');
const START_TIMEOUT_MS = 15_000;

/** The operator's own user: the proxy needs no privileges and no switch. */
function currentUser(): ServerUser {
  return {
    name: process.env.USER ?? 'operator',
    uid: process.getuid?.() ?? -1,
    gid: process.getgid?.() ?? -1,
    home: process.env.HOME ?? '/tmp',
    switched: false,
  };
}

export class EndpointProxyProcess {
  readonly #dataDir: string;
  readonly #log: Logger;
  #last = '';
  #starting: Promise<void> | undefined;

  constructor(dataDir: string, log: Logger) {
    this.#dataDir = dataDir;
    this.#log = log;
  }

  get #pidFile(): string {
    return join(this.#dataDir, PROXY_PID_FILE);
  }

  /** The pid of our proxy if it runs. */
  pid(): number | undefined {
    if (!existsSync(this.#pidFile)) return undefined;
    const pid = Number(readFileSync(this.#pidFile, 'utf8').trim());
    if (!isAlive(pid)) return undefined;
    const cmd = commandLine(pid) ?? '';
    return cmd.includes('postgres-proxy') && cmd.includes(routesPath(this.#dataDir))
      ? pid
      : undefined;
  }

  /** Starts the proxy unless it runs; it serves the routes file as last written. */
  ensure(): Promise<void> {
    if (this.pid()) return Promise.resolve();
    this.#starting ??= this.#start().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    rmSync(this.#pidFile, { force: true });
    if (!existsSync(routesPath(this.#dataDir))) {
      writeRoutes(this.#dataDir, { host: '127.0.0.1', backendHost: '127.0.0.1', clusters: {} });
    }
    const pid = await spawnDetached(
      process.execPath,
      [
        CANOPY_BIN,
        'postgres-proxy',
        '--routes',
        routesPath(this.#dataDir),
        '--pid-file',
        this.#pidFile,
        '--log-format',
        'json',
      ],
      {
        user: currentUser(),
        logFile: join(this.#dataDir, PROXY_LOG_FILE),
        cwd: this.#dataDir,
        // The proxy relays every query: it stays in the operator's session, whose CPU
        // scheduling group it shares (a session of its own, under Linux's autogroups, made
        // each hop wait for the scheduler on a busy machine). It ignores SIGINT, so a
        // Ctrl-C to the operator's terminal does not stop it; SIGTERM does.
        ownSession: false,
      },
    );
    const up = await waitUntil(() => this.pid() === pid, START_TIMEOUT_MS, 50);
    if (!up)
      throw new Error(
        `the endpoint proxy did not start; see ${join(this.#dataDir, PROXY_LOG_FILE)}`,
      );
    this.#log.info({ pid }, 'endpoint proxy started');
  }

  /** Makes the proxy serve `routes` (nothing happens when they did not change). */
  async publish(routes: ProxyRoutes): Promise<void> {
    const text = JSON.stringify(routes);
    if (text === this.#last && this.pid()) return;
    writeRoutes(this.#dataDir, routes);
    const running = this.pid();
    if (running) signalProcess(running, 'SIGHUP');
    else await this.ensure();
    this.#last = text;
  }

  /** Stops the proxy (the operator's --stop-servers-on-exit). */
  async stop(): Promise<void> {
    const pid = this.pid();
    if (!pid) return;
    await stopProcess(pid, [
      { signal: 'SIGTERM', waitMs: 5000 },
      { signal: 'SIGKILL', waitMs: 2000 },
    ]);
    rmSync(this.#pidFile, { force: true });
  }
}
