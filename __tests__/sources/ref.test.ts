import { GateError } from '../../src/common/errors';
import { parseSourceRef } from '../../src/sources/ref';

const none = (): boolean => false;
const only =
  (...paths: string[]) =>
  (p: string): boolean =>
    paths.includes(p);

describe('parseSourceRef', () => {
  test.each([
    ['nvidia/cuda:12.4.1-runtime-ubuntu22.04', { kind: 'docker-daemon', reference: 'nvidia/cuda:12.4.1-runtime-ubuntu22.04' }],
    ['app', { kind: 'docker-daemon', reference: 'app' }],
    ['localhost:5000/team/app:pr-42', { kind: 'docker-daemon', reference: 'localhost:5000/team/app:pr-42' }],
    ['docker-daemon:app:1', { kind: 'docker-daemon', reference: 'app:1' }],
    ['docker://ghcr.io/org/app:1', { kind: 'docker', reference: 'ghcr.io/org/app:1' }],
    [`docker://nvcr.io/nvidia/pytorch@sha256:${'a'.repeat(64)}`, { kind: 'docker', reference: `nvcr.io/nvidia/pytorch@sha256:${'a'.repeat(64)}` }],
    ['docker-archive:build/app.tar', { kind: 'docker-archive', path: 'build/app.tar' }],
    ['docker-archive:build/app.tar:app:pr-42', { kind: 'docker-archive', path: 'build/app.tar', reference: 'app:pr-42' }],
    ['docker-archive:multi.tar:@1', { kind: 'docker-archive', path: 'multi.tar', reference: '@1' }],
    ['oci-archive:/tmp/x.tar:v1', { kind: 'oci-archive', path: '/tmp/x.tar', reference: 'v1' }],
    ['oci:/tmp/layout', { kind: 'oci', path: '/tmp/layout' }],
    ['oci:/tmp/layout:test/app:1', { kind: 'oci', path: '/tmp/layout', reference: 'test/app:1' }],
  ])('%s', (raw, expected) => {
    expect(parseSourceRef(raw, none)).toEqual({ raw, ...expected });
  });

  test('a path containing ":" is read as a path when that file exists', () => {
    expect(parseSourceRef('docker-archive:out/app:v1.tar', only('out/app:v1.tar'))).toMatchObject({
      path: 'out/app:v1.tar',
    });
    expect(parseSourceRef('docker-archive:out/app:v1.tar:app:1', only('out/app:v1.tar'))).toMatchObject({
      path: 'out/app:v1.tar',
      reference: 'app:1',
    });
  });

  test('without an existing file, the path ends at the first ":" as in skopeo', () => {
    expect(parseSourceRef('oci:dir:name:tag', none)).toMatchObject({ path: 'dir', reference: 'name:tag' });
  });

  test('a remainder that is no valid reference stays part of the path', () => {
    expect(parseSourceRef('docker-archive:C:/Users/x.tar', none)).toMatchObject({ path: 'C:/Users/x.tar' });
  });

  test.each([
    ['', 'empty'],
    ['Upper/Case:1', 'image name'],
    ['docker-archive:', 'needs a path'],
    ['docker://not a ref', 'not a valid image reference'],
    ['dir:/tmp/x', '"dir:" transport is not supported'],
    ['containers-storage:app', '"containers-storage:" transport'],
  ])('"%s" is a BAD_SOURCE_REF (%s)', (raw, why) => {
    let err: unknown;
    try {
      parseSourceRef(raw, none);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GateError);
    expect(err).toMatchObject({ code: 'BAD_SOURCE_REF', message: expect.stringContaining(why) });
    expect((err as GateError).hint).toContain('docker-archive:PATH');
  });
});
