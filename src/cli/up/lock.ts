/**
 * One `canopy up` per data directory: a second run on the same directory would start a
 * second control plane on the same data and print the first run's log lines as its own.
 * The first run writes its pid to `<data-dir>/up.pid` (created exclusively); a later run
 * that finds the file naming a live process stops before doing anything, and one that
 * finds a dead pid (the holder was killed) takes the directory over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirInUse extends Error {
  readonly pid: number;
  constructor(dir: string, pid: number) {
    super(
      `another canopy up (pid ${pid}) is running on ${dir}; stop it first (Ctrl-C in its terminal, or kill ${pid}), or give this one its own --data-dir`,
    );
    this.pid = pid;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `dir` for this process; the returned function gives it back (also done on exit). */
export function lockDataDir(dir: string): () => void {
  const file = join(dir, 'up.pid');
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
    }
    let holder = Number.NaN;
    try {
      holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
    } catch {
      // Removed meanwhile: try again.
    }
    if (Number.isInteger(holder) && holder !== process.pid && alive(holder))
      throw new DataDirInUse(dir, holder);
    // A stale lock: its holder is gone.
    try {
      unlinkSync(file);
    } catch {
      // Someone else removed it first.
    }
  }
  const release = () => {
    try {
      if (Number.parseInt(readFileSync(file, 'utf8'), 10) === process.pid) unlinkSync(file);
    } catch {
      // Already gone.
    }
    process.off('exit', release);
  };
  process.on('exit', release);
  return release;
}
