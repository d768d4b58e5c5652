/** The one adapter from a zod issue to a GateError: the input, the place in it, what it should be and was, the fix. */
import { z } from 'zod';
import { formatPath, parseWithSchema } from '../../src/common/schema-error';
import { gateErrorOf } from '../helpers/gate-error';

const Manifest = z.array(z.object({ Config: z.string(), Layers: z.array(z.string()), RepoTags: z.array(z.string()).nullish() }));
const ctx = { what: 'manifest.json in app.tar', code: 'CORRUPT_ARCHIVE' as const, fix: 'write the archive again' };

describe('parseWithSchema', () => {
  test('a document of the right shape comes back parsed', () => {
    expect(parseWithSchema(Manifest, [{ Config: 'c.json', Layers: ['a/layer.tar'] }], ctx)).toEqual([{ Config: 'c.json', Layers: ['a/layer.tar'] }]);
  });

  test('a wrong type names the input, the place, what it should be and what it was, with the fix', async () => {
    const err = await gateErrorOf(async () => parseWithSchema(Manifest, [{ Config: 'c.json', Layers: ['a', 3] }], ctx));
    expect(err).toMatchObject({
      code: 'CORRUPT_ARCHIVE',
      message: 'manifest.json in app.tar: [0].Layers[1] should be a string, not 3',
      hint: 'write the archive again',
    });
  });

  test('a missing field says it is missing', async () => {
    const err = await gateErrorOf(async () => parseWithSchema(Manifest, [{ Layers: [] }], ctx));
    expect(err.message).toBe('manifest.json in app.tar: [0].Config is missing (it should be a string)');
  });

  test('the whole document of the wrong kind', async () => {
    const err = await gateErrorOf(async () =>
      parseWithSchema(z.object({ token: z.string() }), null, { what: 'the answer of the token service', code: 'REGISTRY_ERROR' }),
    );
    expect(err).toMatchObject({ code: 'REGISTRY_ERROR', message: 'the answer of the token service should be an object, not null' });
  });

  test("a schema's own message is used after the place; quoted strings are cut short", async () => {
    const Digest = z.object({ digest: z.string().refine((d) => d.startsWith('sha256:'), 'is not a sha256 digest') });
    expect((await gateErrorOf(async () => parseWithSchema(Digest, { digest: 'md5:x' }, ctx))).message).toBe(
      'manifest.json in app.tar: digest is not a sha256 digest',
    );
    const long = 'x'.repeat(200);
    expect((await gateErrorOf(async () => parseWithSchema(z.object({ n: z.number() }), { n: long }, ctx))).message).toBe(
      `manifest.json in app.tar: n should be a number, not "${'x'.repeat(60)}…"`,
    );
  });

  test('enumerations and unknown keys', async () => {
    const Strict = z.strictObject({ runtime: z.enum(['legacy', 'cdi']) });
    expect((await gateErrorOf(async () => parseWithSchema(Strict, { runtime: 'CDI' }, ctx))).message).toBe(
      'manifest.json in app.tar: runtime should be one of "legacy", "cdi", not "CDI"',
    );
    expect((await gateErrorOf(async () => parseWithSchema(Strict, { runtime: 'cdi', extra: 1 }, ctx))).message).toBe(
      'manifest.json in app.tar has unknown key "extra"',
    );
  });

  test('paths: identifiers dotted, indexes in brackets, other keys quoted', () => {
    expect(formatPath(['manifests', 2, 'platform', 'os'])).toBe('manifests[2].platform.os');
    expect(formatPath(['labels', 'com.nvidia.cudnn.version'])).toBe('labels["com.nvidia.cudnn.version"]');
    expect(formatPath([])).toBe('');
  });
});
