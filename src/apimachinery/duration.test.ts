import { describe, expect, it } from 'vitest';
import { humanDuration, shortHumanDuration } from './duration.ts';

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
