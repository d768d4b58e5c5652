import { MAX_JSON_BYTES, parseEnv, parseImageConfig } from '../../src/sources/config';

const bytes = (doc: unknown): Buffer => Buffer.from(JSON.stringify(doc));

describe('parseImageConfig', () => {
  test('reads env, labels, history, diff_ids and platform', () => {
    const config = parseImageConfig(
      bytes({
        architecture: 'arm64',
        os: 'linux',
        variant: 'v8',
        config: { Env: ['PATH=/usr/bin', 'CUDA_VERSION=12.4.127'], Labels: { a: 'b', n: 1 } },
        rootfs: { type: 'layers', diff_ids: ['sha256:aa', 'sha256:bb'] },
        history: [
          { created_by: 'COPY . /', created: '2024-01-01T00:00:00Z' },
          { created_by: 'ENV A=1', empty_layer: true },
        ],
      }),
      'config.json',
    );
    expect(config).toEqual({
      env: { PATH: '/usr/bin', CUDA_VERSION: '12.4.127' },
      labels: { a: 'b' },
      history: [
        { created_by: 'COPY . /', created: '2024-01-01T00:00:00Z' },
        { created_by: 'ENV A=1', empty_layer: true },
      ],
      diffIds: ['sha256:aa', 'sha256:bb'],
      os: 'linux',
      architecture: 'arm64',
      variant: 'v8',
    });
  });

  test('null Env and Labels (images built without them) give empty maps', () => {
    expect(parseImageConfig(bytes({ config: { Env: null, Labels: null } }), 'c')).toMatchObject({ env: {}, labels: {}, history: [], diffIds: [] });
  });

  test('a config with Env and no Labels (or the reverse) keeps what it has', () => {
    expect(parseImageConfig(bytes({ config: { Env: ['CUDA_VERSION=12.4.127'] } }), 'c')).toMatchObject({ env: { CUDA_VERSION: '12.4.127' }, labels: {} });
    expect(parseImageConfig(bytes({ config: { Labels: { a: 'b' } } }), 'c')).toMatchObject({ env: {}, labels: { a: 'b' } });
  });

  test('diff_ids that are not all strings are CORRUPT_ARCHIVE naming the place: a dropped one would pair layers with the wrong diffID', () => {
    expect(() => parseImageConfig(bytes({ rootfs: { diff_ids: ['sha256:aa', 5] } }), 'image config sha256:cc in app.tar')).toThrow(
      expect.objectContaining({ code: 'CORRUPT_ARCHIVE', message: 'image config sha256:cc in app.tar: rootfs.diff_ids[1] should be a string, not 5' }),
    );
  });

  test('a later duplicate env entry wins; values may contain "="', () => {
    expect(parseEnv(['A=1', 'B=x=y', 'A=2', 'junk'])).toEqual({ A: '2', B: 'x=y' });
  });

  test('not JSON is CORRUPT_ARCHIVE naming the document', () => {
    expect(() => parseImageConfig(Buffer.from('{oops'), 'image config sha256:cc in app.tar')).toThrow(
      expect.objectContaining({ code: 'CORRUPT_ARCHIVE', message: expect.stringContaining('image config sha256:cc in app.tar') }),
    );
  });

  test('a document over the size cap is refused before parsing', () => {
    expect(() => parseImageConfig(Buffer.alloc(MAX_JSON_BYTES + 1, 0x20), 'huge.json')).toThrow(
      expect.objectContaining({ code: 'LIMIT_EXCEEDED', message: expect.stringContaining('huge.json') }),
    );
  });
});

describe('what the container runs', () => {
  const parse = (config: unknown) => parseImageConfig(Buffer.from(JSON.stringify({ config, rootfs: { type: 'layers', diff_ids: [] } })), 'config');
  test('Entrypoint then Cmd, as the runtime joins them; non-string parts dropped; none when neither is set', () => {
    expect(parse({ Entrypoint: ['/usr/bin/python3', '-m'], Cmd: ['server'] }).entrypoint).toEqual(['/usr/bin/python3', '-m', 'server']);
    expect(parse({ Cmd: ['python', 7, null, 'app.py'] }).entrypoint).toEqual(['python', 'app.py']);
    expect(parse({ Entrypoint: null, Cmd: 'not-a-list' }).entrypoint).toBeUndefined();
  });
});
