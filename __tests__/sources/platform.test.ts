import { GateError } from '../../src/common/errors';
import { formatPlatform, isAttestation, parsePlatform, platformMatches } from '../../src/sources/platform';

describe('platforms', () => {
  test('parses OS/ARCH and OS/ARCH/VARIANT, mapping uname spellings to GOARCH', () => {
    expect(parsePlatform('linux/amd64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(parsePlatform('Linux/x86_64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/aarch64')).toEqual({ os: 'linux', architecture: 'arm64' });
  });

  test('rejects malformed platforms with BAD_ARGUMENT', () => {
    for (const bad of ['amd64', 'linux/', 'a/b/c/d']) {
      expect(() => parsePlatform(bad)).toThrow(GateError);
    }
  });

  test('matches os and architecture exactly', () => {
    expect(platformMatches({ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'amd64' })).toBe(true);
    expect(platformMatches({ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' })).toBe(false);
    expect(platformMatches({ os: 'linux', architecture: 'amd64' }, { os: 'windows', architecture: 'amd64' })).toBe(false);
  });

  test('arm64 without a variant is v8', () => {
    expect(platformMatches(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64' })).toBe(true);
    expect(platformMatches(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe(true);
    expect(platformMatches(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v6' })).toBe(false);
  });

  test('recognises attestation manifests', () => {
    expect(isAttestation({ platform: { os: 'unknown', architecture: 'unknown' } })).toBe(true);
    expect(isAttestation({ annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } })).toBe(true);
    expect(isAttestation({ platform: { os: 'linux', architecture: 'amd64' } })).toBe(false);
  });

  test('formats back to the slash form', () => {
    expect(formatPlatform({ os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe('linux/arm64/v8');
  });
});
