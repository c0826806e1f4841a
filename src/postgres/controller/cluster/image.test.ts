import { describe, expect, it } from 'vitest';
import { imageMajor, imageNote } from './image.ts';

describe('the major version an image names', () => {
  it.each<[string, number | undefined]>([
    ['ghcr.io/cloudnative-pg/postgresql:16.4', 16],
    ['ghcr.io/cloudnative-pg/postgresql:17.2-standard-bookworm', 17],
    ['postgres:15', 15],
    ['registry:5000/pg/postgresql:14_1', 14],
    ['ghcr.io/cloudnative-pg/postgresql@sha256:abc', undefined],
    ['registry:5000/postgresql', undefined],
    ['postgres:latest', undefined],
    ['postgres:16.4@sha256:abc', 16],
  ])('%s → %s', (image, major) => {
    expect(imageMajor(image)).toBe(major);
  });
});

describe('whether imageName is honoured', () => {
  const installed = [
    { major: 16, version: '16.6' },
    { major: 15, version: '15.18' },
  ];
  it.each<[string, string | undefined, number, string | undefined]>([
    ['none asked', undefined, 16, undefined],
    ['the major the data has, installed', 'ghcr.io/cloudnative-pg/postgresql:15.4', 15, undefined],
    [
      'a major not installed',
      'ghcr.io/cloudnative-pg/postgresql:17.2',
      16,
      "PostgreSQL 17 is not installed on this service's host (installed: 16, 15); PostgreSQL 16.6 runs",
    ],
    [
      'an installed major other than the data’s',
      'ghcr.io/cloudnative-pg/postgresql:16.4',
      15,
      "this Cluster's data is PostgreSQL 15 and its major version cannot change here; PostgreSQL 15.18 runs",
    ],
    [
      'no major in the tag',
      'postgres@sha256:abc',
      16,
      'postgres@sha256:abc names no PostgreSQL major version in its tag; PostgreSQL 16.6 runs',
    ],
  ])('%s', (_name, imageName, dataMajor, note) => {
    expect(imageNote({ imageName, installed, dataMajor })).toBe(note);
  });
});
