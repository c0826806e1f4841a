import { describe, expect, it } from 'vitest';
import { DAY, humanDuration, parseGoDuration, shortHumanDuration } from './duration.ts';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

describe('humanDuration', () => {
  it.each<[number, string]>([
    [-2 * s - 1, '<invalid>'],
    [-2 * s, '<invalid>'],
    [-2 * s + 1, '0s'],
    [-1 * s, '0s'],
    [-1, '0s'],
    [0, '0s'],
    [999, '0s'],
    [1 * s, '1s'],
    [59 * s, '59s'],
    [60 * s, '60s'],
    [119 * s + 999, '119s'],
    [2 * m, '2m'],
    [2 * m + 1 * s, '2m1s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m, '10m'],
    [10 * m + 59 * s, '10m'],
    [179 * m + 59 * s, '179m'],
    [3 * h, '3h'],
    [3 * h + 1 * m, '3h1m'],
    [3 * h + 59 * s, '3h'],
    [7 * h + 59 * m, '7h59m'],
    [8 * h, '8h'],
    [8 * h + 59 * m, '8h'],
    [47 * h + 59 * m, '47h'],
    [48 * h, '2d'],
    [48 * h + 1 * h, '2d1h'],
    [7 * d + 23 * h, '7d23h'],
    [8 * d, '8d'],
    [8 * d + 23 * h, '8d'],
    [729 * d + 23 * h, '729d'],
    [730 * d, '2y'],
    [730 * d + 1 * d, '2y1d'],
    [3 * y + 364 * d, '3y364d'],
    [8 * y - 1 * d, '7y364d'],
    [8 * y, '8y'],
    [8 * y + 300 * d, '8y'],
    [100 * y, '100y'],
    [Number.NaN, '<invalid>'],
  ])('%d ms → %j', (ms, expected) => {
    expect(humanDuration(ms)).toBe(expected);
  });
});

describe('shortHumanDuration', () => {
  it.each<[number, string]>([
    [-2 * s, '<invalid>'],
    [-2 * s + 1, '0s'],
    [-1, '0s'],
    [0, '0s'],
    [59 * s + 999, '59s'],
    [60 * s, '1m'],
    [59 * m + 59 * s, '59m'],
    [60 * m, '1h'],
    [23 * h + 59 * m, '23h'],
    [24 * h, '1d'],
    [47 * h, '1d'],
    [364 * d + 23 * h, '364d'],
    [365 * d, '1y'],
    [2 * y - 1, '1y'],
    [8 * y, '8y'],
  ])('%d ms → %j', (ms, expected) => {
    expect(shortHumanDuration(ms)).toBe(expected);
  });
});

describe('parseGoDuration', () => {
  it.each<[string, number]>([
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['500ms', 500],
    ['300ms', 300],
    ['-1.5s', -1500],
    ['+5s', 5000],
    ['0', 0],
    ['-0', 0],
    ['+0', 0],
    ['0s', 0],
    ['1.s', 1000],
    ['.5s', 500],
    ['1ns', 1e-6],
    ['2us', 2e-3],
    ['3\u00b5s', 3e-3],
    ['4\u03bcs', 4e-3],
    ['1h1m1s1ms', 3_661_001],
    ['2h45m', 9_900_000],
  ])('%j → %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each([
    '',
    '30',
    '1d',
    '-',
    '+',
    '.',
    '.s',
    '1..5s',
    '1h ',
    ' 1h',
    '1hx',
    '1m5',
    's',
    '--1s',
    '1e3s',
    '1constructor',
  ])('rejects %j', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });

  it('accepts extra units', () => {
    expect(parseGoDuration('1d', { d: DAY })).toBe(DAY);
    expect(parseGoDuration('365d12h', { d: DAY })).toBe(365 * DAY + 12 * 60 * 60 * 1000);
    expect(parseGoDuration('1w', { d: DAY })).toBeUndefined();
  });
});
