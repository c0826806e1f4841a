/** Test helpers shared by the agent's unit tests. */
import { silentLogger } from '../logging/logger.ts';

/** A logger that drops everything. */
export const silentLog = silentLogger();
