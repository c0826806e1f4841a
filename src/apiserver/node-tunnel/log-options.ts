/**
 * PodLogOptions from the query of `pods/log`, read as upstream reads them: converted with the
 * API's other query parameters' rules (http/query.ts: booleans, int64s, a 400 for what does
 * not convert; sinceTime as an RFC 3339 time), then validated as ValidatePodLogOptions does
 * (a 422 naming PodLogOptions and the pod). What the node agent is sent.
 */
import {
  type ErrorList,
  forbidden,
  invalid as invalidField,
  notSupported,
} from '../../apimachinery/field-errors.ts';
import { stringFormatCheck } from '../../apimachinery/schema/formats.ts';
import { badRequest, invalid } from '../../apimachinery/status.ts';
import { boolParam, int64Param } from '../http/query.ts';

const FLAGS = ['follow', 'previous', 'timestamps', 'insecureSkipTLSVerifyBackend'] as const;
const STREAMS = ['All', 'Stderr', 'Stdout'];
const isTime = stringFormatCheck('date-time');

/** The options for the agent, or a 400 (does not convert) or 422 (not allowed) Status. */
export function logOptions(query: URLSearchParams, pod: string): URLSearchParams {
  const out = new URLSearchParams();
  for (const flag of FLAGS) if (boolParam(query, flag)) out.set(flag, 'true');
  const errs: ErrorList = [];
  const int = (name: string, min: bigint, detail: string) => {
    const n = int64Param(query, name);
    if (n === undefined) return;
    if (n < min) errs.push(invalidField(name, Number(n), detail));
    out.set(name, String(n));
  };
  int('tailLines', 0n, 'must be greater than or equal to 0');
  int('limitBytes', 1n, 'must be greater than 0');
  int('sinceSeconds', 1n, 'must be greater than 0');
  const since = query.get('sinceTime');
  if (since !== null && since !== '') {
    if (isTime?.(since) === false) {
      throw badRequest(
        `parsing time ${JSON.stringify(since)} as "2006-01-02T15:04:05Z07:00": not an RFC 3339 time`,
      );
    }
    if (out.has('sinceSeconds')) {
      errs.push(forbidden('', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
    }
    out.set('sinceTime', since);
  }
  const stream = query.get('stream');
  if (stream !== null) {
    if (STREAMS.includes(stream)) out.set('stream', stream);
    else errs.push(notSupported('stream', stream, STREAMS));
  }
  if (errs.length > 0) throw invalid({ group: '', kind: 'PodLogOptions' }, pod, errs);
  return out;
}
