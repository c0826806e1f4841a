/**
 * Children of `canopy up` stop when their supervisor is gone, even when it was killed with
 * SIGKILL and could not stop them: otherwise an orphaned server would keep its port and the
 * next `canopy up` could not start. The supervisor passes its pid in the environment.
 */
export const SUPERVISOR_PID_ENV = 'CANOPY_SUPERVISOR_PID';

export function exitWithSupervisor(env: NodeJS.ProcessEnv = process.env): void {
  const pid = Number(env[SUPERVISOR_PID_ENV]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const timer = setInterval(() => {
    try {
      process.kill(pid, 0);
    } catch {
      clearInterval(timer);
      // The command's own SIGTERM handler shuts it down cleanly.
      process.kill(process.pid, 'SIGTERM');
    }
  }, 1000);
  timer.unref();
}
