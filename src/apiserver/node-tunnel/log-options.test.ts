import { describe, expect, it } from 'vitest';
import { StatusError } from '../../apimachinery/status.ts';
import { logOptions } from './log-options.ts';

const read = (query: string) => logOptions(new URLSearchParams(query), 'web-1').toString();

function refusal(query: string): { code: number; message: string } {
  try {
    logOptions(new URLSearchParams(query), 'web-1');
  } catch (err) {
    if (err instanceof StatusError) {
      return { code: err.status.code, message: err.status.message ?? '' };
    }
    throw err;
  }
  throw new Error(`${query} was accepted`);
}

describe('logOptions', () => {
  it('reads booleans as the other query parameters: all but 0 and false are true', () => {
    expect(read('follow=True&timestamps=&previous=0&insecureSkipTLSVerifyBackend=FALSE')).toBe(
      'follow=true&timestamps=true',
    );
    expect(read('follow=f')).toBe('follow=true');
  });

  it('passes int64s on as read, and a time and a stream that are allowed', () => {
    expect(read('tailLines=0&limitBytes=%2B10&sinceTime=2024-05-01T10:00:00Z&stream=Stderr')).toBe(
      'tailLines=0&limitBytes=10&sinceTime=2024-05-01T10%3A00%3A00Z&stream=Stderr',
    );
  });

  it.each([
    ['tailLines=abc', 'strconv.ParseInt: parsing "abc": invalid syntax'],
    [
      'limitBytes=99999999999999999999',
      'strconv.ParseInt: parsing "99999999999999999999": value out of range',
    ],
    [
      'sinceTime=2024-05-01',
      'parsing time "2024-05-01" as "2006-01-02T15:04:05Z07:00": not an RFC 3339 time',
    ],
  ])('refuses %s with a 400: it does not convert', (query, message) => {
    expect(refusal(query)).toEqual({ code: 400, message });
  });

  it.each([
    [
      'tailLines=-1',
      'PodLogOptions "web-1" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0',
    ],
    [
      'sinceSeconds=0',
      'PodLogOptions "web-1" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0',
    ],
    [
      'limitBytes=0',
      'PodLogOptions "web-1" is invalid: limitBytes: Invalid value: 0: must be greater than 0',
    ],
    [
      'sinceSeconds=5&sinceTime=2024-05-01T10:00:00Z',
      'PodLogOptions "web-1" is invalid: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified',
    ],
    [
      'stream=both',
      'PodLogOptions "web-1" is invalid: stream: Unsupported value: "both": supported values: "All", "Stderr", "Stdout"',
    ],
  ])('refuses %s with a 422 naming PodLogOptions and the pod', (query, message) => {
    expect(refusal(query)).toEqual({ code: 422, message });
  });
});
