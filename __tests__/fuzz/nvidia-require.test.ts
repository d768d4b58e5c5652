/**
 * NVIDIA_REQUIRE_* values come straight from the image config, so the parser, its formatter and the evaluator must
 * take anything: arbitrary Unicode, control characters, megabyte-long values. The grammar itself is pinned down in
 * __tests__/evidence/nvidia-require.test.ts; this file only throws input at it.
 */
import fc from 'fast-check';
import { formatRequire, parseRequire } from '../../src/evidence/nvidia-require';
import type { RequireExpression } from '../../src/evidence/nvidia-require-types';
import { evaluateRequire, type HostProperties } from '../../src/verdict/nvidia-require-eval';
import { FUZZ, timed } from './bounded';

/** Anything an env value can hold: every code point, control characters and lone surrogates included. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom(...'cudrivebanCUDA0123456789.,=!<> \t\r\n\u0000\u001b\u202e\ud800é'.split('')), maxLength: 120 }),
);

/** Long values: a random piece repeated, so the text has structure (many groups, huge numbers) and not just noise. */
const longText = fc
  .tuple(fc.constantFrom('cuda>=12.4 ', 'brand=tesla,driver>=535,driver<536 ', '9', ',', ' ', 'x'), fc.integer({ min: 1_000, max: 5_000 }))
  .map(([piece, n]) => piece.repeat(n).slice(0, 50_000));

const OPS = ['=', '!=', '<', '<=', '>', '>='] as const;
const version = fc.array(fc.nat(9999), { minLength: 1, maxLength: 4 }).map((p) => p.join('.'));
const spelled = (name: string) => fc.constantFrom(name, name.toUpperCase(), name[0].toUpperCase() + name.slice(1));
const validTerm = fc.oneof(
  fc.tuple(fc.oneof(spelled('cuda'), spelled('driver'), spelled('arch')), fc.constantFrom(...OPS), version).map((t) => t.join('')),
  fc.tuple(spelled('brand'), fc.constantFrom('=', '!='), fc.constantFrom('tesla', 'Quadro', 'nvidiartx', 'x=y')).map((t) => t.join('')),
);
/** Terms libnvidia-container rejects; none holds a space or a comma, so each stays one term. */
const invalidTerm = fc.constantFrom(
  'gpu>=8.0',
  'cuda==12',
  'driver>=r535',
  '>=12',
  'cuda12',
  'cuda>=',
  'brand>=tesla',
  'arch>=.5',
  'cuda>=1<2',
  'driver>=99999999999999999999',
);
const group = fc.array(fc.oneof({ weight: 2, arbitrary: validTerm }, { weight: 1, arbitrary: invalidTerm }), { minLength: 1, maxLength: 3 });
/** Text of a well-formed value: groups, with an optional comma-only group and an ignored tail after it. */
const expressionText = fc
  .tuple(fc.array(group, { maxLength: 4 }), fc.option(fc.string({ maxLength: 20 }), { nil: undefined }))
  .map(([groups, tail]) => [...groups.map((g) => g.join(',')), ...(tail === undefined ? [] : [`,${tail}`])].join(' '));

describe('parseRequire and formatRequire take any env value', () => {
  test('parseRequire never throws on arbitrary text, whatever its characters', () => {
    fc.assert(
      fc.property(anyText, (raw) => {
        const x = timed(() => parseRequire('NVIDIA_REQUIRE_CUDA', raw));
        expect(x.raw).toBe(raw);
        expect(x.errors.length).toBe(x.invalidTerms?.length ?? 0);
      }),
      FUZZ,
    );
  });

  test("parseRequire stays within its time budget on values up to 50,000 characters (NVIDIA's longest is ~3,000)", () => {
    fc.assert(
      fc.property(longText, (raw) => {
        timed(() => parseRequire('NVIDIA_REQUIRE_CUDA', raw));
      }),
      { ...FUZZ, numRuns: 30 },
    );
  });

  test('format then parse gives back the same expression for any text, Unicode and control characters included', () => {
    fc.assert(
      fc.property(anyText, (raw) => {
        const x = parseRequire('N', raw);
        expect(timed(() => parseRequire('N', formatRequire(x)))).toEqual(x);
      }),
      FUZZ,
    );
  });

  test('an expression whose raw text went stale is rebuilt into text that parses to the same terms', () => {
    // formatRequire's second path: raw no longer says what the alternatives say, so the text is rebuilt from them
    fc.assert(
      fc.property(expressionText, fc.string({ maxLength: 10 }), (text, stale) => {
        const x = parseRequire('N', text);
        const edited: RequireExpression = { ...x, raw: `stale ${stale}` };
        const again = parseRequire('N', formatRequire(edited));
        const terms = (e: RequireExpression) => [e.alternatives, e.errors, e.invalidTerms, e.unevaluated];
        expect(terms(again)).toEqual(terms(x));
      }),
      FUZZ,
    );
  });
});

const host = fc.record({
  cuda: fc.oneof(version, fc.string({ maxLength: 12 })),
  driver: fc.oneof(version, fc.string({ maxLength: 12 })),
  arch: fc.option(fc.oneof(version, fc.string({ maxLength: 6 })), { nil: undefined }),
  brands: fc.array(fc.oneof(fc.constantFrom('tesla', 'nvidia', 'geforce', 'quadro'), fc.string({ maxLength: 8 })), { maxLength: 3 }),
}) as fc.Arbitrary<HostProperties>;

describe('evaluateRequire', () => {
  test('never throws and gives the same outcome every time, for any expression and any host', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, expressionText), host, (raw, h) => {
        const x = parseRequire('NVIDIA_REQUIRE_CUDA', raw);
        const first = timed(() => evaluateRequire(x, h));
        expect(['true', 'false', 'invalid', 'unknown']).toContain(first.truth);
        // a fresh parse and a copied host: nothing is cached or mutated between calls
        expect(evaluateRequire(parseRequire('NVIDIA_REQUIRE_CUDA', raw), structuredClone(h))).toEqual(first);
        expect(x).toEqual(parseRequire('NVIDIA_REQUIRE_CUDA', raw));
      }),
      FUZZ,
    );
  });

  test('a definite answer does not depend on which of the brands the host may report is listed first', () => {
    fc.assert(
      fc.property(expressionText, host, (raw, h) => {
        const x = parseRequire('N', raw);
        const reversed = evaluateRequire(x, { ...h, brands: [...h.brands].reverse() });
        const forward = evaluateRequire(x, h);
        expect(reversed.truth).toBe(forward.truth);
      }),
      FUZZ,
    );
  });
});
