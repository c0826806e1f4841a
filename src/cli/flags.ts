/** Checks of command-line values shared by the `canopy` commands; each throws naming the flag. */
import { parseGoDuration } from '../apimachinery/duration.ts';

export function parsePort(flag: string, value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${flag} must be a number between 0 and 65535, not ${JSON.stringify(value)}`);
  return port;
}

export function parsePositiveInteger(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${flag} must be a whole number of at least 1, not ${JSON.stringify(value)}`);
  return n;
}

/** A Go duration flag value (`500ms`, `15s`, `1m30s`) in milliseconds. */
export function parseDuration(text: string): number {
  const ms = parseGoDuration(text);
  if (ms === undefined || ms < 0)
    throw new Error(`invalid duration ${JSON.stringify(text)} (want e.g. 15s, 1m30s)`);
  return ms;
}

/** A comma-separated flag value as a list (empty items dropped). */
export function listFlag(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}
