import fc from 'fast-check';
import { collectRequirements, formatRequire, legacyMajorMinor, parseGoBool, parseRequire } from '../../src/evidence/nvidia-require';
import { fakeConfig } from './fake-view';
import { REQUIRE_11_8_0, REQUIRE_12_4_1, REQUIRE_12_8_1, REQUIRE_13_0_0 } from '../fixtures/nvidia-require-strings';

const BRANDS_12_5_ON = ['unknown', 'grid', 'tesla', 'nvidia', 'quadro', 'quadrortx', 'nvidiartx', 'vapps', 'vpc', 'vcs', 'vws', 'cloudgaming'];

describe("NVIDIA's own NVIDIA_REQUIRE_CUDA strings", () => {
  test.each([
    ['11.8.0', REQUIRE_11_8_0, '11.8', 10, [470]],
    ['12.4.1', REQUIRE_12_4_1, '12.4', 30, [470, 525, 535]],
    ['12.8.1', REQUIRE_12_8_1, '12.8', 60, [470, 535, 550, 560, 565]],
    ['13.0.0', REQUIRE_13_0_0, '13.0', 60, [535, 550, 565, 570, 575]],
  ])('the %s string parses into cuda>=X.Y OR one brand+driver-branch group per pair, without errors', (_v, raw, cuda, brandGroups, branches) => {
    const e = parseRequire('NVIDIA_REQUIRE_CUDA', raw);
    expect(e.errors).toEqual([]);
    expect(e.invalidTerms).toBeUndefined();
    expect(e.unevaluated).toBeUndefined();
    expect(e.alternatives).toHaveLength(1 + brandGroups);
    expect(e.alternatives[0]).toEqual([{ property: 'cuda', op: '>=', value: cuda, raw: `cuda>=${cuda}` }]);
    for (const group of e.alternatives.slice(1)) {
      expect(group).toHaveLength(3);
      expect(group[0]).toMatchObject({ property: 'brand', op: '=' });
      expect(group[1]).toMatchObject({ property: 'driver', op: '>=' });
      expect(group[2]).toMatchObject({ property: 'driver', op: '<', value: String(Number(group[1].value) + 1) });
    }
    const seenBranches = [...new Set(e.alternatives.slice(1).map((g) => Number(g[1].value)))];
    expect(seenBranches).toEqual(branches);
  });

  test('the written-out 12.8.1 string has the 12 brands NVIDIA lists from 12.5 on, for every branch', () => {
    const e = parseRequire('NVIDIA_REQUIRE_CUDA', REQUIRE_12_8_1);
    for (let b = 0; b < 5; b++) {
      expect(e.alternatives.slice(1 + b * 12, 13 + b * 12).map((g) => g[0].value)).toEqual(BRANDS_12_5_ON);
    }
  });

  test('the test strings are single-spaced, as in the Dockerfiles', () => {
    for (const s of [REQUIRE_11_8_0, REQUIRE_12_4_1, REQUIRE_12_8_1, REQUIRE_13_0_0]) {
      expect(s).not.toMatch(/ {2}|^ | $/);
    }
  });

  test('the arm64 11.8 string is a single condition', () => {
    expect(parseRequire('NVIDIA_REQUIRE_CUDA', 'cuda>=11.8').alternatives).toEqual([[{ property: 'cuda', op: '>=', value: '11.8', raw: 'cuda>=11.8' }]]);
  });
});

describe('the libnvidia-container grammar', () => {
  test('an empty or all-space value has no alternatives and no errors (the check passes)', () => {
    for (const v of ['', ' ', '   ']) {
      expect(parseRequire('NVIDIA_REQUIRE_CUDA', v)).toEqual({ name: 'NVIDIA_REQUIRE_CUDA', raw: v, alternatives: [], errors: [] });
    }
  });

  test('every operator is recognised, two-character operators included', () => {
    const e = parseRequire('X', 'cuda=12 cuda!=12 cuda<12 cuda<=12 cuda>12 cuda>=12');
    expect(e.errors).toEqual([]);
    expect(e.alternatives.map((g) => g[0].op)).toEqual(['=', '!=', '<', '<=', '>', '>=']);
  });

  test('property names are matched case-insensitively, values are kept as written', () => {
    const e = parseRequire('X', 'CUDA>=12.4 Brand=Tesla,DRIVER>=535');
    expect(e.errors).toEqual([]);
    expect(e.alternatives[0][0]).toEqual({ property: 'cuda', op: '>=', value: '12.4', raw: 'CUDA>=12.4' });
    expect(e.alternatives[1][0]).toEqual({ property: 'brand', op: '=', value: 'Tesla', raw: 'Brand=Tesla' });
  });

  test('empty terms between commas and runs of spaces are skipped', () => {
    const e = parseRequire('X', '  cuda>=12,,driver>=535,   arch>=8.0 ');
    expect(e.errors).toEqual([]);
    expect(e.alternatives.map((g) => g.map((c) => c.raw))).toEqual([['cuda>=12', 'driver>=535'], ['arch>=8.0']]);
  });

  test.each([
    ['driver>=r470', 'digits and dots'],
    ['cuda>=12.4a', 'digits and dots'],
    ['cuda==12.4', '"==" is not an operator'],
    ['cuda=>12.4', '"=>" is not an operator'],
    ['driver>=<470', '">=<" is not an operator'],
    ['gpu>=8.0', 'unknown property "gpu"'],
    ['>=12.4', 'no property name'],
    ['cuda12.4', 'no operator'],
    ['cuda>=', 'no value'],
    ['brand>=tesla', 'brand takes only = or !='],
    ['arch>=.5', 'must start with a number'],
    ['cuda>=12<13', 'digits and dots'],
    ['driver>=99999999999999999999', 'too large'],
  ])('the malformed term %s is an "invalid expression" error', (term, why) => {
    const e = parseRequire('NVIDIA_REQUIRE_CUDA', term);
    expect(e.errors).toHaveLength(1);
    expect(e.errors[0]).toContain(`invalid expression "${term}"`);
    expect(e.errors[0]).toContain(why);
    expect(e.invalidTerms).toEqual([{ group: 0, position: 0, raw: term, reason: expect.any(String) }]);
  });

  test('a brand value may contain operator characters after the first (dsl.c only reads the first run)', () => {
    expect(parseRequire('X', 'brand=te=sla').errors).toEqual([]);
  });

  test('version values may have empty parts after the first, as strtoumax skips the dots', () => {
    expect(parseRequire('X', 'cuda>=12. driver>=535..104').errors).toEqual([]);
  });

  test('only spaces separate groups: a tab stays inside the term and makes it invalid', () => {
    const e = parseRequire('X', 'cuda>=12.4\tbrand=tesla');
    expect(e.alternatives).toEqual([[]]);
    expect(e.errors).toHaveLength(1);
  });

  test('rejected terms are reported with their place, and the valid terms of the group are kept in order', () => {
    const e = parseRequire('X', 'cuda>=12.4 brand=tesla,driver>=r535,driver<536');
    expect(e.alternatives[1].map((c) => c.raw)).toEqual(['brand=tesla', 'driver<536']);
    expect(e.invalidTerms).toEqual([{ group: 1, position: 1, raw: 'driver>=r535', reason: expect.any(String) }]);
  });

  test('a group of commas alone ends the evaluation: what follows is never read', () => {
    const e = parseRequire('X', 'cuda>=12.4 , driver>=r1 brand=x');
    expect(e.alternatives).toEqual([[{ property: 'cuda', op: '>=', value: '12.4', raw: 'cuda>=12.4' }]]);
    expect(e.errors).toEqual([]);
    expect(e.unevaluated).toBe(', driver>=r1 brand=x');
  });

  test('a leading group of commas makes the whole requirement true', () => {
    const e = parseRequire('X', ',, cuda>=99');
    expect(e.alternatives).toEqual([[]]);
    expect(e.unevaluated).toBe(',, cuda>=99');
  });
});

describe('formatRequire', () => {
  test.each([REQUIRE_11_8_0, REQUIRE_12_4_1, REQUIRE_12_8_1, REQUIRE_13_0_0, '', 'cuda>=12 ,', ',', 'Cuda>=12  brand=x,,arch>=.1'])('round-trips %#', (raw) => {
    const x = parseRequire('NVIDIA_REQUIRE_CUDA', raw);
    expect(parseRequire('NVIDIA_REQUIRE_CUDA', formatRequire(x))).toEqual(x);
  });

  test('rebuilds text from the alternatives when raw no longer matches them', () => {
    const x = parseRequire('X', 'cuda>=12.4 brand=tesla,driver>=535');
    const edited = { ...x, raw: 'stale', alternatives: [x.alternatives[1]] };
    expect(formatRequire(edited)).toBe('brand=tesla,driver>=535');
    expect(parseRequire('X', formatRequire(edited)).alternatives).toEqual(edited.alternatives);
  });

  test('round-trips any string (property)', () => {
    const alphabet = fc.constantFrom(...'cudarivebnhCUDA0123456789.,=!<> \t-_'.split(''));
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 60 }), (raw) => {
        const x = parseRequire('N', raw);
        expect(parseRequire('N', formatRequire(x))).toEqual(x);
      }),
      { numRuns: 2000 },
    );
  });

  test('round-trips expressions built from valid conditions (property)', () => {
    const cond = fc.oneof(
      fc.record({
        property: fc.constantFrom('cuda' as const, 'driver' as const, 'arch' as const),
        op: fc.constantFrom('=' as const, '!=' as const, '<' as const, '<=' as const, '>' as const, '>=' as const),
        value: fc.array(fc.nat(999), { minLength: 1, maxLength: 3 }).map((p) => p.join('.')),
      }),
      fc.record({
        property: fc.constant('brand' as const),
        op: fc.constantFrom('=' as const, '!=' as const),
        value: fc.constantFrom('tesla', 'nvidia', 'Quadro'),
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(cond, { minLength: 1, maxLength: 4 }), { maxLength: 5 }), (groups) => {
        const text = groups.map((g) => g.map((c) => `${c.property}${c.op}${c.value}`).join(',')).join(' ');
        const x = parseRequire('N', text);
        expect(x.alternatives.map((g) => g.map(({ property, op, value }) => ({ property, op, value })))).toEqual(groups);
        expect(parseRequire('N', formatRequire(x))).toEqual(x);
      }),
      { numRuns: 500 },
    );
  });
});

describe('NVIDIA_DISABLE_REQUIRE', () => {
  test.each([
    ['1', true],
    ['t', true],
    ['T', true],
    ['TRUE', true],
    ['true', true],
    ['True', true],
    ['0', false],
    ['f', false],
    ['F', false],
    ['FALSE', false],
    ['false', false],
    ['False', false],
  ])('%s is read as Go strconv.ParseBool reads it: %s', (raw, disabled) => {
    expect(parseGoBool(raw)).toBe(disabled);
    const r = collectRequirements(fakeConfig({ NVIDIA_DISABLE_REQUIRE: raw, NVIDIA_REQUIRE_CUDA: 'cuda>=12.4' }));
    expect(r.disabled).toBe(disabled);
    expect(r.disableRaw).toBe(raw);
    expect(r.disableInvalid).toBeUndefined();
  });

  test.each(['yes', 'on', 'tRUE', ' true', '', '2'])('%p is not a Go boolean: treated as false and noted', (raw) => {
    const r = collectRequirements(fakeConfig({ NVIDIA_DISABLE_REQUIRE: raw }));
    expect(r.disabled).toBe(false);
    expect(r.disableInvalid).toBe(true);
  });

  test('unset means the checks are on', () => {
    const r = collectRequirements(fakeConfig({ NVIDIA_REQUIRE_CUDA: 'cuda>=12.4' }));
    expect(r).toEqual({ expressions: [expect.objectContaining({ name: 'NVIDIA_REQUIRE_CUDA' })], disabled: false });
  });

  test('when disabled, the expressions are still reported (the verdict stage skips them)', () => {
    const r = collectRequirements(fakeConfig({ NVIDIA_DISABLE_REQUIRE: 'true', NVIDIA_REQUIRE_CUDA: 'cuda>=12.4' }));
    expect(r.disabled).toBe(true);
    expect(r.expressions).toHaveLength(1);
  });
});

describe('which env vars are requirements', () => {
  test('every NVIDIA_REQUIRE_* except NVIDIA_REQUIRE_JETPACK*, in name order', () => {
    const r = collectRequirements(
      fakeConfig({
        NVIDIA_REQUIRE_CUDA: 'cuda>=12.4',
        NVIDIA_REQUIRE_ARCH: 'arch>=8.0',
        NVIDIA_REQUIRE_JETPACK: 'csv-mode',
        NVIDIA_REQUIRE_JETPACK_HOST_MOUNTS: '',
        NVIDIA_REQUIREMENTS: 'not a requirement',
        nvidia_require_cuda: 'cuda>=99',
      }),
    );
    expect(r.expressions.map((e) => e.name)).toEqual(['NVIDIA_REQUIRE_ARCH', 'NVIDIA_REQUIRE_CUDA']);
  });

  test('an empty NVIDIA_REQUIRE_* is kept and has no alternatives', () => {
    const r = collectRequirements(fakeConfig({ NVIDIA_REQUIRE_DRIVER: '' }));
    expect(r.expressions).toEqual([{ name: 'NVIDIA_REQUIRE_DRIVER', raw: '', alternatives: [], errors: [] }]);
  });
});

describe('legacy images (CUDA_VERSION without NVIDIA_REQUIRE_CUDA)', () => {
  test('CUDA_VERSION=11.8.0 alone implies cuda>=11.8', () => {
    const r = collectRequirements(fakeConfig({ CUDA_VERSION: '11.8.0' }));
    expect(r.expressions).toEqual([
      {
        name: 'CUDA_VERSION',
        raw: 'cuda>=11.8',
        alternatives: [[{ property: 'cuda', op: '>=', value: '11.8', raw: 'cuda>=11.8' }]],
        errors: [],
        synthesized: true,
      },
    ]);
  });

  test('an empty NVIDIA_REQUIRE_CUDA counts as unset', () => {
    const r = collectRequirements(fakeConfig({ CUDA_VERSION: '12.4.1', NVIDIA_REQUIRE_CUDA: '' }));
    expect(r.expressions.map((e) => [e.name, e.raw, !!e.synthesized])).toEqual([
      ['NVIDIA_REQUIRE_CUDA', '', false],
      ['CUDA_VERSION', 'cuda>=12.4', true],
    ]);
  });

  test('nothing is synthesised when NVIDIA_REQUIRE_CUDA is set, or CUDA_VERSION is empty', () => {
    expect(collectRequirements(fakeConfig({ CUDA_VERSION: '12.4.1', NVIDIA_REQUIRE_CUDA: 'cuda>=12.4' })).expressions).toHaveLength(1);
    expect(collectRequirements(fakeConfig({ CUDA_VERSION: '' })).expressions).toHaveLength(0);
  });

  test.each([
    ['12.4.1', '12.4'],
    ['12.4', '12.4'],
    ['12', '12.0'],
    ['v12.4.1', '12.4'],
    ['12.4.1-rc.1+build.5', '12.4'],
    ['0.9', '0.9'],
    // Masterminds/semver v3 NewVersion (coerce mode) accepts leading zeros and a prerelease after any part
    ['12.04', '12.4'],
    ['12.4-rc1', '12.4'],
  ])("CUDA_VERSION %s gives cuda>=%s, as Masterminds/semver v3 (the toolkit's parser) reads it", (v, mm) => {
    expect(legacyMajorMinor(v)).toBe(mm);
  });

  test.each(['abc', '12.4.1.2', '12.4.1-rc.01', 'vv12', ' 12.4', '99999999999.0'])(
    'CUDA_VERSION %p is rejected by the toolkit: the synthesised requirement carries an error',
    (v) => {
      expect(legacyMajorMinor(v)).toBeUndefined();
      const r = collectRequirements(fakeConfig({ CUDA_VERSION: v }));
      expect(r.expressions).toHaveLength(1);
      expect(r.expressions[0]).toMatchObject({ name: 'CUDA_VERSION', synthesized: true, alternatives: [] });
      expect(r.expressions[0].errors[0]).toContain('invalid CUDA version');
    },
  );
});
