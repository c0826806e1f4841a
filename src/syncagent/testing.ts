/** Test helpers shared by the agent's unit tests. */
import type { Logger } from '../logging/logger.ts';

const noop = () => undefined;

/** A logger that drops everything. */
export const silentLog: Logger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  fatal: noop,
  child: () => silentLog,
} as unknown as Logger;
