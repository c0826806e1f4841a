/**
 * Child processes for the runtime: short programs (initdb, pg_basebackup, pg_rewind) run
 * to completion with their output captured, and PostgreSQL servers started detached (own
 * session, output to a log file) so they outlive the operator and a restarted operator can
 * adopt them. Liveness is checked by pid, treating zombies as dead.
 */

import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerUser } from './os-user.ts';

export interface ProgramResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly user: ServerUser;
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  readonly timeoutMs?: number;
  readonly input?: string;
  /** Called with the pid once the program runs (to record it for adoption after a crash). */
  readonly onStart?: (pid: number) => void;
}

const MAX_OUTPUT = 64 * 1024;

/** The environment every PostgreSQL program gets: nothing of the operator's own. */
export function serverEnv(
  user: ServerUser,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: user.home,
    LC_ALL: 'C.UTF-8',
    LANG: 'C.UTF-8',
    ...(process.env.TZ ? { TZ: process.env.TZ } : {}),
    ...extra,
  };
}

function idOptions(user: ServerUser): { uid?: number; gid?: number } {
  return user.switched ? { uid: user.uid, gid: user.gid } : {};
}

export function runProgram(
  program: string,
  args: readonly string[],
  options: RunOptions,
): Promise<ProgramResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      ...idOptions(options.user),
      cwd: options.cwd ?? options.user.home,
      env: serverEnv(options.user, options.env),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += d;
    });
    child.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < MAX_OUTPUT) stderr += d;
    });
    let timer: NodeJS.Timeout | undefined;
    if (options.timeoutMs)
      timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs).unref();
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(new Error(`cannot run ${program}: ${err.message}`));
    });
    child.on('spawn', () => {
      if (child.pid !== undefined) options.onStart?.(child.pid);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (child.stdin) {
      // A program that exits before reading its input must not crash the operator (EPIPE).
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
}

/** Runs a program and throws with its stderr when it fails. */
export async function runChecked(
  program: string,
  args: readonly string[],
  options: RunOptions,
): Promise<ProgramResult> {
  const result = await runProgram(program, args, options);
  if (result.code !== 0) {
    const name = program.split('/').pop();
    const output = (result.stderr || result.stdout).trim().split('\n').slice(-6).join(' | ');
    throw new Error(
      `${name} failed (${result.signal ?? `exit ${result.code}`})${output ? `: ${output}` : ''}`,
    );
  }
  return result;
}

/**
 * Starts a long-running server detached from the operator: its own session (signals to the
 * operator's process group do not reach it), stdout and stderr appended to `logFile`.
 * Resolves with the pid; `onExit` fires if it exits while this operator process lives.
 */
export function spawnDetached(
  program: string,
  args: readonly string[],
  options: {
    user: ServerUser;
    logFile: string;
    cwd?: string;
    onExit?: (code: number | null) => void;
    /**
     * A session of its own (default): signals to the operator's terminal or process group
     * do not reach the program. Without one it stays in the operator's session (and its
     * scheduling group), so it must ignore SIGINT itself to outlive a Ctrl-C.
     */
    ownSession?: boolean;
  },
): Promise<number> {
  const fd = openSync(options.logFile, 'a', 0o600);
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      ...idOptions(options.user),
      cwd: options.cwd ?? options.user.home,
      env: serverEnv(options.user),
      stdio: ['ignore', fd, fd],
      detached: options.ownSession ?? true,
    });
    child.on('error', (err) => {
      closeSync(fd);
      reject(new Error(`cannot start ${program}: ${err.message}`));
    });
    child.on('spawn', () => {
      closeSync(fd);
      child.unref();
      resolve(child.pid as number);
    });
    child.on('exit', (code) => options.onExit?.(code));
  });
}

/** True when `pid` is a live process (zombies count as dead). */
export function isAlive(pid: number | undefined): boolean {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return process.platform !== 'linux';
  }
}

/** True while the pid exists at all, zombies included (what PostgreSQL's own check sees). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a process (Linux), for checking a pid still is what we think. */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns the last answer. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/** Waits for a process to exit; escalates SIGINT → SIGQUIT → SIGKILL if asked to. */
export async function stopProcess(
  pid: number,
  steps: readonly { signal: NodeJS.Signals; waitMs: number }[],
): Promise<boolean> {
  for (const step of steps) {
    if (!isAlive(pid)) return true;
    signalProcess(pid, step.signal);
    if (await waitUntil(() => !isAlive(pid), step.waitMs, 25)) return true;
  }
  return !isAlive(pid);
}
