/**
 * Starts real `canopy` processes for end-to-end tests: a fresh data directory, a free
 * port, and a promise that resolves once the process prints its `ready` line. Output is
 * kept so a failing test can show it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseKubeconfig } from '../../../src/apimachinery/kubeconfig.ts';
import { e2eOnEtcd, etcdArgs } from './etcd.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
export const CANOPY_BIN = join(ROOT, 'bin', 'canopy');

export interface CanopyProcess {
  readonly dataDir: string;
  readonly kubeconfig: string;
  /** https://127.0.0.1:PORT */
  readonly url: string;
  /** The hub's base URL (`hub: true` only). */
  readonly hubUrl: string | undefined;
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** Removes the data directory (after stop). */
  cleanup(): void;
}

export interface StartOptions {
  readonly plain?: boolean;
  /** Runs the hub too, on a free port (tests of other parts leave it out). */
  readonly hub?: boolean;
  readonly dataDir?: string;
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
  /**
   * On etcd (CANOPY_E2E_STORE=etcd): these endpoints instead of the run's shared etcd, for
   * a file whose server compacts etcd (compaction is of the whole keyspace).
   */
  readonly etcdEndpoints?: readonly string[];
}

function freshDataDir(prefix = 'canopy-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startCanopy(options: StartOptions = {}): Promise<CanopyProcess> {
  const dataDir = options.dataDir ?? freshDataDir();
  const args = [
    'start',
    '--data-dir',
    dataDir,
    '--port',
    '0',
    '--log-format',
    'json',
    ...(options.plain ? ['--plain'] : []),
    ...(options.hub ? ['--hub-port', '0'] : ['--no-hub']),
    ...(e2eOnEtcd() ? await etcdArgs(dataDir, options.etcdEndpoints) : []),
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, [CANOPY_BIN, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d;
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    // On a loaded machine (load 17 on 2 cores) a start took over 30 s; 50 s still ends
    // within vitest's 60 s hook timeout, so a process that did not become ready is killed
    // here rather than left behind when the hook gives up.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`canopy did not become ready:\n${out}`));
    }, options.timeoutMs ?? 50_000);
    const check = () => {
      if (/ready/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`canopy exited with ${code} before ready:\n${out}`));
    });
  });
  const kubeconfig = join(dataDir, 'admin.kubeconfig');
  const config = parseKubeconfig(readFileSync(kubeconfig, 'utf8'));
  const server = config.clusters[0]?.cluster.server ?? '';
  const url = new URL(server).origin;
  const hubUrl = options.hub ? readFileSync(join(dataDir, 'hub-url'), 'utf8').trim() : undefined;
  return {
    dataDir,
    kubeconfig,
    url,
    hubUrl,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
    cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
