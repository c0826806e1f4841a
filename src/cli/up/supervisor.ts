/**
 * Runs `canopy` subcommands as child processes for `canopy up`: each child's output goes
 * to its own log file, a start waits for the child's `ready` line, and a child that dies
 * after it was ready is restarted with a growing back-off and reported, so one crash does
 * not take the local stack down. Stopping sends SIGTERM to every child, newest first, and
 * SIGKILL to any that outlive the grace period.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { SUPERVISOR_PID_ENV } from './parent-watch.ts';

const CANOPY_BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'canopy');

export interface ChildSpec {
  /** Short name used in progress lines and as the log file name. */
  readonly name: string;
  /** `canopy` arguments, computed at every (re)start so a restart can reuse what the first run chose. */
  readonly args: () => readonly string[];
  readonly logFile: string;
  /** The line the child prints once it serves (each command has its own wording). */
  readonly ready: RegExp;
  /** How long to wait for that line. */
  readonly readyTimeoutMs: number;
  /** How long a stop waits after SIGTERM before SIGKILL, when the supervisor's default is too short. */
  readonly stopGraceMs?: number;
}

export interface SupervisorEvents {
  /** A child died after it was ready; it will be started again after `delayMs`. */
  crashed(name: string, how: string, delayMs: number): void;
  /** A restarted child is ready again. */
  recovered(name: string): void;
  /** A restart failed; the supervisor keeps trying. */
  restartFailed(name: string, message: string): void;
}

interface Running {
  readonly spec: ChildSpec;
  child: ChildProcess;
  restarts: number;
}

const MAX_BACKOFF_MS = 30_000;

export class Supervisor {
  private readonly running: Running[] = [];
  /** Children spawned and not yet ready: a stop must not leave them behind. */
  private readonly starting = new Set<ChildProcess>();
  private readonly events: SupervisorEvents;
  private stopping = false;

  constructor(events: SupervisorEvents) {
    this.events = events;
  }

  /**
   * Starts a child and resolves with its ready line once it printed it (the line says where
   * the child serves); rejects with its log's tail otherwise.
   */
  async start(spec: ChildSpec): Promise<string> {
    const { child, line } = await this.spawnReady(spec);
    const entry: Running = { spec, child, restarts: 0 };
    this.running.push(entry);
    this.watch(entry);
    return line;
  }

  /** SIGTERM to every child, newest first; SIGKILL after its `stopGraceMs` or `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.starting].map((child) => terminate(child, graceMs)));
    for (const entry of [...this.running].reverse()) {
      await terminate(entry.child, entry.spec.stopGraceMs ?? graceMs);
    }
  }

  private watch(entry: Running): void {
    entry.child.once('exit', (code, signal) => {
      if (this.stopping) return;
      const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
      void this.restart(entry, how);
    });
  }

  private async restart(entry: Running, how: string): Promise<void> {
    for (;;) {
      const delayMs = Math.min(1000 * 2 ** entry.restarts, MAX_BACKOFF_MS);
      entry.restarts++;
      this.events.crashed(entry.spec.name, how, delayMs);
      await new Promise((r) => setTimeout(r, delayMs));
      if (this.stopping) return;
      try {
        entry.child = (await this.spawnReady(entry.spec)).child;
        // A child that stays up for a minute has recovered; the next crash starts the back-off anew.
        const settled = setTimeout(() => {
          entry.restarts = 0;
        }, 60_000);
        settled.unref();
        entry.child.once('exit', () => clearTimeout(settled));
        this.events.recovered(entry.spec.name);
        this.watch(entry);
        return;
      } catch (err) {
        this.events.restartFailed(entry.spec.name, (err as Error).message);
        how = 'failed to restart';
      }
    }
  }

  private spawnReady(spec: ChildSpec): Promise<Ready> {
    mkdirSync(dirname(spec.logFile), { recursive: true });
    const log = createWriteStream(spec.logFile, { flags: 'a' });
    const child = spawn(process.execPath, [CANOPY_BIN, ...spec.args()], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, [SUPERVISOR_PID_ENV]: String(process.pid) },
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('exit', () => closeSoon(log));
    this.starting.add(child);
    return waitReady(child, spec, log).finally(() => this.starting.delete(child));
  }
}

interface Ready {
  readonly child: ChildProcess;
  /** The line that matched `ready`. */
  readonly line: string;
}

function waitReady(child: ChildProcess, spec: ChildSpec, log: WriteStream): Promise<Ready> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      // Only the tail matters: the ready line is short and arrives whole or split in two.
      seen = (seen + chunk.toString('utf8')).slice(-4096);
      const match = spec.ready.exec(seen);
      if (!match) return;
      const start = seen.lastIndexOf('\n', match.index) + 1;
      const end = seen.indexOf('\n', match.index);
      // The rest of the line may still be on its way.
      if (end < 0) return;
      finish(undefined, seen.slice(start, end));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      finish(
        new Error(
          `${spec.name} ${signal ? `was killed by ${signal}` : `exited with code ${code}`} before it was ready; the end of ${spec.logFile}:\n${tail(spec.logFile)}`,
        ),
      );
    };
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      finish(
        new Error(
          `${spec.name} was not ready after ${spec.readyTimeoutMs / 1000} s; the end of ${spec.logFile}:\n${tail(spec.logFile)}`,
        ),
      );
    }, spec.readyTimeoutMs);
    const finish = (err?: Error, line = '') => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve({ child, line });
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    log.on('error', (err) => finish(err));
  });
}

async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function closeSoon(log: WriteStream): void {
  // Let the pipes drain what the child wrote last before the file is closed.
  setImmediate(() => log.end());
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
