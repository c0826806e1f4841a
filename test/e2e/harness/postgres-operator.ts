/**
 * Runs `canopy postgres-operator` for end-to-end tests and benchmarks: a data directory
 * PostgreSQL's user can reach, a promise for the `ready` line, output kept for failures,
 * and helpers to look at what it runs (psql, process and port checks).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CANOPY_BIN } from './canopy-process.ts';

export interface OperatorProcess {
  readonly child: ChildProcess;
  readonly dataDir: string;
  readonly metricsUrl: string;
  output(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

/** A data directory the server user can enter (mkdtemp makes 0700 directories). */
export function operatorDataDir(prefix = 'canopy-pg-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o711);
  return dir;
}

export async function startOperator(options: {
  kubeconfig: string;
  dataDir: string;
  args?: readonly string[];
  timeoutMs?: number;
}): Promise<OperatorProcess> {
  const child = spawn(
    process.execPath,
    [
      CANOPY_BIN,
      'postgres-operator',
      '--kubeconfig',
      options.kubeconfig,
      '--data-dir',
      options.dataDir,
      '--metrics-address',
      '127.0.0.1:0',
      '--log-format',
      'json',
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d;
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const metricsUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`operator did not become ready:\n${out}`));
    }, options.timeoutMs ?? 30_000);
    const check = () => {
      const line = out.split('\n').find((l) => l.includes('PostgreSQL operator ready'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { metrics?: string }).metrics ?? '');
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`operator exited with ${code} before ready:\n${out}`));
    });
  });
  return {
    child,
    dataDir: options.dataDir,
    metricsUrl,
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
  };
}

/**
 * A select-list item naming the server process that answers a query: its port and the
 * postmaster's start time. A Cluster's instances share one system identifier (replicas are
 * cloned), and a killed primary comes back on its own port as a replica, so only the pair
 * tells the killed server from every other one, itself restarted included. After a SIGKILL
 * of the postmaster its backends (and walsender) live on for a moment and still
 * acknowledge writes on connections they hold: "writes resume after a failover" holds only
 * for writes another server acknowledged.
 */
export const SERVER_IDENTITY = "inet_server_port() || '@' || pg_postmaster_start_time() AS server";

export interface PsqlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs psql over TCP with a password (as a client would). */
export function psql(
  conn: { host: string; port: number | string; user: string; password: string; dbname: string },
  sql: string,
): Promise<PsqlResult> {
  return new Promise((resolve) => {
    execFile(
      'psql',
      [
        '-h',
        conn.host,
        '-p',
        String(conn.port),
        '-U',
        conn.user,
        '-d',
        conn.dbname,
        '-X',
        '-Atqc',
        sql,
      ],
      {
        env: { ...process.env, PGPASSWORD: conn.password, PGCONNECT_TIMEOUT: '5' },
        timeout: 20_000,
      },
      (err, stdout, stderr) =>
        resolve({
          code: err ? ((err as { code?: number }).code ?? 1) : 0,
          stdout: stdout.trim(),
          stderr,
        }),
    );
  });
}

/** A live (not zombie) process. */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export function portListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (v: boolean) => {
      socket.destroy();
      resolve(v);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A process's command line, arguments joined by spaces; '' once it is gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** Pids of live processes, other than this one, whose command line names `dir`. */
export function processesUnder(dir: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => pid !== process.pid && commandLine(pid).includes(dir) && processRunning(pid));
}

/** Pids of live postgres processes whose command line names a directory under `dir`. */
export function postgresProcessesUnder(dir: string): number[] {
  return processesUnder(dir).filter((pid) => commandLine(pid).includes('postgres'));
}

/** Test clean-up: SIGKILLs postgres servers this test's operator started, then removes the directory. */
export function cleanupDataDir(dir: string): void {
  for (const pid of postgresProcessesUnder(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}
