/** Starts `canopy start` for benchmarks and reads its memory from /proc. */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type CanopyProcess, startCanopy } from '../../test/e2e/harness/canopy-process.ts';
import { sleep } from '../../test/e2e/harness/wait.ts';

export { type CanopyProcess, startCanopy };

const run = promisify(execFile);

/** Runs a load scenario in its own process and returns its JSON result. */
export async function load<T>(
  scenario: string,
  kubeconfig: string,
  ...args: Array<string | number>
): Promise<T> {
  const script = join(import.meta.dirname, 'api-load.ts');
  const { stdout } = await run(
    process.execPath,
    [script, scenario, kubeconfig, ...args.map(String)],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as T;
}

function statusField(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

/** Resident memory of a process, MiB. */
export const rssMiB = (pid: number) => statusField(pid, 'VmRSS');

/** Peak resident memory since the last reset, MiB. */
export const peakRssMiB = (pid: number) => statusField(pid, 'VmHWM');

/** Resets the peak so the next reading covers only what follows. */
export function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** The fields of /proc/PID/stat after "pid (comm) " (comm may hold spaces and parentheses). */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU seconds a process has used so far (user and system), from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * CPU seconds (user and system) of the children a process has waited for, from /proc: for
 * this process, what the load generators it ran to completion (wrk) used.
 */
export function childrenCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/**
 * Seconds the threads of a process have spent runnable but waiting for a core, from the
 * scheduler's statistics (/proc/PID/task/TID/schedstat: run time, run-queue wait, slices).
 * Next to cpuSeconds it tells a process's own cost from its share of a busy machine.
 */
export function runQueueSeconds(pid: number): number {
  let waited = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      waited += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return waited / 1e9;
}

/**
 * Waits until the process has used under 5% of a core for a whole second: what it queued
 * in the background (controllers catching up with a burst) is done. Returns the seconds
 * it waited.
 */
export async function waitForIdle(pid: number, timeoutMs = 120_000): Promise<number> {
  const started = Date.now();
  let last = cpuSeconds(pid);
  while (Date.now() - started < timeoutMs) {
    await sleep(1000);
    const now = cpuSeconds(pid);
    if (now - last < 0.05) return (Date.now() - started) / 1000;
    last = now;
  }
  throw new Error(`process ${pid} was still busy after ${timeoutMs / 1000} s`);
}
