import { basenameOf, dirnameOf, normaliseEntryName, normalisePath, resolveLinkTarget } from '../../src/layers/paths';

describe('layer paths', () => {
  test.each([
    ['./usr/lib/x', 'usr/lib/x'],
    ['/usr//lib/./x/', 'usr/lib/x'],
    ['usr/lib/../bin/x', 'usr/bin/x'],
    ['./', ''],
  ])('entry name %s normalises to %s', (raw, path) => {
    expect(normaliseEntryName(raw)).toEqual({ path, escapes: false });
  });

  test('an entry name climbing above the root is flagged, not clamped', () => {
    expect(normaliseEntryName('../etc/passwd').escapes).toBe(true);
    expect(normaliseEntryName('a/../../b').escapes).toBe(true);
  });

  test('path normalisation clamps ".." at the root like a chroot', () => {
    expect(normalisePath('/../../etc/passwd')).toBe('etc/passwd');
  });

  test('dirname and basename', () => {
    expect(dirnameOf('usr/lib/x')).toBe('usr/lib');
    expect(dirnameOf('x')).toBe('');
    expect(basenameOf('usr/lib/x')).toBe('x');
  });

  test('symlink targets resolve from the link’s directory, absolute ones from the image root', () => {
    expect(resolveLinkTarget('usr/local/cuda', 'cuda-12.4')).toBe('usr/local/cuda-12.4');
    expect(resolveLinkTarget('usr/lib/a/link', '../../local/x')).toBe('usr/local/x');
    expect(resolveLinkTarget('usr/local/cuda', '/opt/cuda')).toBe('opt/cuda');
  });
});
