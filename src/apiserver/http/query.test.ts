import { describe, expect, it } from 'vitest';
import type { StatusError } from '../../apimachinery/status.ts';
import {
  boolParam,
  deleteOptionsFromQuery,
  int64Param,
  isPretty,
  isWatch,
  listOptions,
  MAX_SELECTOR_TERMS,
  selectingName,
  validDeleteOptions,
  writeOptions,
} from './query.ts';

const q = (s: string) => new URLSearchParams(s);

/** The Status a call throws, or undefined. */
function refusal(fn: () => unknown): { code: number; message: string } | undefined {
  try {
    fn();
  } catch (err) {
    const { code, message = '' } = (err as StatusError).status;
    return { code, message };
  }
  return undefined;
}

describe('query conversions', () => {
  it.each([
    ['watch=true', true],
    ['watch=True', true],
    ['watch=1', true],
    ['watch=yes', true],
    ['watch=', true],
    ['watch', true],
    ['watch=false', false],
    ['watch=FALSE', false],
    ['watch=fal%C5%BFe', false], // Go's EqualFold folds ſ to s
    ['watch=0', false],
    ['watch=00', true],
    ['', undefined],
    ['watch=false&watch=true', false], // the first value counts
  ])('reads the boolean %j as upstream: %j', (query, want) => {
    expect(boolParam(q(query), 'watch')).toBe(want);
    expect(isWatch(q(query))).toBe(want === true);
  });

  it('reads int64s as strconv.ParseInt does', () => {
    expect(int64Param(q('limit=9223372036854775807'), 'limit')).toBe(9223372036854775807n);
    expect(int64Param(q('limit=-9223372036854775808'), 'limit')).toBe(-9223372036854775808n);
    expect(int64Param(q('limit=%2B5'), 'limit')).toBe(5n);
    expect(refusal(() => int64Param(q('limit=9223372036854775808'), 'limit'))).toEqual({
      code: 400,
      message: 'strconv.ParseInt: parsing "9223372036854775808": value out of range',
    });
    for (const bad of ['abc', '', '1.5', '1e3', '0x10', '1_000', ' 1']) {
      expect(refusal(() => int64Param(q(`limit=${encodeURIComponent(bad)}`), 'limit'))).toEqual({
        code: 400,
        message: `strconv.ParseInt: parsing ${JSON.stringify(bad)}: invalid syntax`,
      });
    }
  });

  it('pretty-prints on ?pretty as ParseBool reads it, else for browsers and curl', () => {
    expect(isPretty(q('pretty=true'), 'kubectl/v1.33')).toBe(true);
    expect(isPretty(q('pretty=1'), undefined)).toBe(true);
    expect(isPretty(q('pretty=yes'), undefined)).toBe(false);
    expect(isPretty(q('pretty=false'), 'curl/8.0')).toBe(false);
    expect(isPretty(q(''), 'curl/8.0')).toBe(true);
    expect(isPretty(q(''), 'Mozilla/5.0 (X11)')).toBe(true);
    expect(isPretty(q(''), 'Python-urllib/3.11')).toBe(false);
  });
});

describe('ListOptions', () => {
  it('takes the int64 maximum as a limit and no limit for zero or less', () => {
    expect(listOptions(q('limit=9223372036854775807'), false).limit).toBe(Number.MAX_SAFE_INTEGER);
    expect(listOptions(q('limit=0'), false).limit).toBeUndefined();
    expect(listOptions(q('limit=-3'), false).limit).toBeUndefined();
  });

  it('refuses what ValidateListOptions refuses with 422, naming ListOptions', () => {
    expect(refusal(() => listOptions(q('resourceVersionMatch=Exact'), false))).toEqual({
      code: 422,
      message:
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    });
    expect(
      refusal(() => listOptions(q('resourceVersion=1&resourceVersionMatch=Sometimes'), false))
        ?.message,
    ).toBe(
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "Sometimes": supported values: "Exact", "NotOlderThan", ""',
    );
    expect(
      refusal(() => listOptions(q('resourceVersion=0&resourceVersionMatch=Exact'), false))?.code,
    ).toBe(422);
    expect(refusal(() => listOptions(q('sendInitialEvents=true'), false))?.message).toContain(
      'sendInitialEvents is forbidden for list',
    );
  });

  it('has its own rules for watches', () => {
    expect(refusal(() => listOptions(q('sendInitialEvents=true'), true))?.message).toContain(
      'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
    );
    expect(refusal(() => listOptions(q('resourceVersionMatch=NotOlderThan'), true))?.code).toBe(
      422,
    );
    const ok = listOptions(
      q('sendInitialEvents=True&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=True'),
      true,
    );
    expect(ok).toMatchObject({ sendInitialEvents: true, allowWatchBookmarks: true });
  });

  it('refuses a selector of more terms than any client writes before parsing it (400)', () => {
    const terms = (n: number) => Array.from({ length: n }, () => 'a').join(',');
    expect(
      listOptions(q(`labelSelector=${terms(MAX_SELECTOR_TERMS)}`), false).labels,
    ).toBeDefined();
    for (const name of ['labelSelector', 'fieldSelector']) {
      expect(
        refusal(() => listOptions(q(`${name}=${terms(MAX_SELECTOR_TERMS + 1)}`), false)),
      ).toEqual({
        code: 400,
        message: `${name}: the selector has more than ${MAX_SELECTOR_TERMS} terms; select with fewer, or filter on the client`,
      });
    }
  });

  it('refuses selectors that do not parse and values that do not convert with 400', () => {
    expect(refusal(() => listOptions(q('labelSelector=a+in+(b'), false))?.code).toBe(400);
    expect(refusal(() => listOptions(q('timeoutSeconds=soon'), true))?.code).toBe(400);
  });

  it('narrows a watch of one object to its name, and refuses a selector for another', () => {
    const one = selectingName(listOptions(q(''), true), 'x');
    expect(one.fields?.requiresExactMatch('metadata.name')).toBe('x');
    expect(
      selectingName(listOptions(q('fieldSelector=metadata.name%3Dx'), true), 'x').fields,
    ).toBeDefined();
    expect(
      refusal(() => selectingName(listOptions(q('fieldSelector=metadata.name%3Dy'), true), 'x')),
    ).toEqual({ code: 400, message: "fieldSelector metadata.name doesn't match requested name" });
    expect(
      refusal(() =>
        selectingName(listOptions(q('fieldSelector=metadata.namespace%3Dy'), true), 'x'),
      )?.code,
    ).toBe(400);
  });
});

describe('write options', () => {
  it('refuses bad values with 422 naming the option type', () => {
    expect(refusal(() => writeOptions(q('dryRun=Some'), 'create'))).toEqual({
      code: 422,
      message:
        'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Some"]: supported values: "All"',
    });
    expect(refusal(() => writeOptions(q('fieldValidation=Loose'), 'update'))?.message).toBe(
      'UpdateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loose": supported values: "", "Ignore", "Strict", "Warn"',
    );
    expect(
      refusal(() => writeOptions(q(`fieldManager=${'m'.repeat(129)}`), 'create'))?.message,
    ).toBe(
      'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes',
    );
    expect(refusal(() => writeOptions(q('fieldManager=a%0Ab'), 'create'))?.message).toBe(
      'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "a\\nb": invalid character U+000A (at position 1)',
    );
    // Unicode letters are printable.
    expect(writeOptions(q('fieldManager=%C3%A9diteur'), 'create').fieldManager).toBe('éditeur');
  });

  it('allows force on apply only, and requires a field manager there', () => {
    expect(refusal(() => writeOptions(q('force=true'), 'patch'))?.message).toBe(
      'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
    );
    expect(refusal(() => writeOptions(q('force=false'), 'patch'))?.code).toBe(422);
    expect(refusal(() => writeOptions(q('force=True'), 'patch', true))?.message).toBe(
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
    expect(writeOptions(q('force=True&fieldManager=me'), 'patch', true)).toMatchObject({
      force: true,
      fieldManager: 'me',
    });
  });
});

describe('DeleteOptions', () => {
  it('reads orphanDependents as the Python client spells it', () => {
    expect(validDeleteOptions(deleteOptionsFromQuery(q('orphanDependents=True')))).toEqual({
      propagationPolicy: 'Orphan',
    });
    expect(validDeleteOptions(deleteOptionsFromQuery(q('orphanDependents=false')))).toEqual({
      propagationPolicy: 'Background',
    });
  });

  it('refuses a grace period that is not an int64, and contradicting or unknown options', () => {
    expect(refusal(() => deleteOptionsFromQuery(q('gracePeriodSeconds=abc')))?.code).toBe(400);
    expect(
      refusal(() =>
        validDeleteOptions(
          deleteOptionsFromQuery(q('orphanDependents=true&propagationPolicy=Orphan')),
        ),
      )?.message,
    ).toBe(
      'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Orphan": orphanDependents and deletionPropagation cannot be both set',
    );
    expect(
      refusal(() => validDeleteOptions(deleteOptionsFromQuery(q('propagationPolicy=Sideways'))))
        ?.code,
    ).toBe(422);
    expect(refusal(() => validDeleteOptions({ dryRun: ['all'] }))?.code).toBe(422);
  });
});
