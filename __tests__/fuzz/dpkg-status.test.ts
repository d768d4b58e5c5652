/**
 * /var/lib/dpkg/status is a file of the image: the parser must survive anything in it and must never invent a
 * package. Every package it returns is traced back to a stanza of the input that says so.
 */
import fc from 'fast-check';
import { parseDpkgStatus, type DpkgPackage } from '../../src/evidence/dpkg-status';
import { FUZZ, timed } from './bounded';

const word = fc.string({ unit: fc.constantFrom(...'abcz019.+-~:'.split('')), minLength: 1, maxLength: 12 });
const fieldName = fc.constantFrom('Package', 'package', 'PACKAGE ', 'Version', 'Status', 'Source', 'Architecture', 'Description', 'Depends', 'X-Junk', '');
const status = fc.constantFrom(
  'install ok installed',
  'hold ok installed',
  'deinstall ok config-files',
  'install ok half-installed',
  'install  ok installed',
  'installed',
  '',
);
const line = fc.oneof(
  fc.tuple(fieldName, fc.constantFrom(':', ': ', ' : ', '::'), fc.oneof(word, status, fc.string({ unit: 'binary', maxLength: 20 }))).map((t) => t.join('')),
  fc.tuple(fc.constantFrom(' ', '\t', ' .'), fc.string({ maxLength: 20 })).map((t) => t.join('')), // continuation
  fc.string({ unit: 'binary', maxLength: 30 }), // noise, sometimes without a colon
);
const stanza = fc.oneof(
  // a well-formed installed package, so some survive
  fc.tuple(word, word, status).map(([p, v, s]) => [`Package: ${p}`, `Status: ${s}`, `Version: ${v}`]),
  fc.array(line, { minLength: 1, maxLength: 6 }),
);
const statusFile = fc
  .tuple(fc.array(stanza, { maxLength: 8 }), fc.constantFrom('\n', '\r\n'), fc.constantFrom('\n\n', '\n \n', '\n\t\n', '\r\n\r\n'), fc.constantFrom('', '\n'))
  .map(([stanzas, eol, gap, end]) => stanzas.map((s) => s.join(eol)).join(gap) + end);

/** The stanzas as dpkg sees them: runs of lines that are not blank. */
function stanzasOf(text: string): string[][] {
  const out: string[][] = [[]];
  for (const raw of text.split('\n')) {
    const l = raw.replace(/\r$/, '');
    if (l.trim() === '') out.push([]);
    else out[out.length - 1].push(l);
  }
  return out.filter((s) => s.length > 0);
}

/** A field line "Key: value" of the stanza, key compared as dpkg does (case-insensitive, spaces trimmed). */
function hasField(lines: string[], key: string, value: string): boolean {
  return lines.some((l) => {
    const colon = l.indexOf(':');
    return colon > 0 && !/^[ \t]/.test(l) && l.slice(0, colon).trim().toLowerCase() === key && l.slice(colon + 1).trim() === value;
  });
}

function cameFrom(pkg: DpkgPackage, lines: string[]): boolean {
  return (
    hasField(lines, 'package', pkg.package) &&
    (pkg.version === undefined || hasField(lines, 'version', pkg.version)) &&
    (pkg.status === undefined || hasField(lines, 'status', pkg.status)) &&
    (pkg.source === undefined || hasField(lines, 'source', pkg.source)) &&
    (pkg.architecture === undefined || hasField(lines, 'architecture', pkg.architecture))
  );
}

describe('parseDpkgStatus on anything an image may hold', () => {
  test('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), statusFile), fc.boolean(), fc.boolean(), (text, statusOptional, truncated) => {
        expect(Array.isArray(timed(() => parseDpkgStatus(text, { statusOptional, truncated })))).toBe(true);
      }),
      FUZZ,
    );
  });

  test('every package returned comes, in order, from its own input stanza that names it', () => {
    fc.assert(
      fc.property(statusFile, fc.boolean(), fc.boolean(), (text, statusOptional, truncated) => {
        const packages = parseDpkgStatus(text, { statusOptional, truncated });
        const stanzas = stanzasOf(text);
        let next = 0;
        for (const pkg of packages) {
          while (next < stanzas.length && !cameFrom(pkg, stanzas[next])) next++;
          expect(next).toBeLessThan(stanzas.length);
          next++;
        }
        // without status.d leniency, only installed packages come out
        if (!statusOptional) for (const p of packages) expect(p.status).toMatch(/^\S+\s+\S+\s+installed$/);
      }),
      FUZZ,
    );
  });

  test('a cut-off file never yields a package from its last, incomplete stanza', () => {
    fc.assert(
      fc.property(statusFile, (text) => {
        const whole = parseDpkgStatus(text, { statusOptional: true });
        const cut = parseDpkgStatus(text, { statusOptional: true, truncated: true });
        expect(whole.slice(0, cut.length)).toEqual(cut);
        expect(whole.length - cut.length).toBeLessThanOrEqual(1);
      }),
      FUZZ,
    );
  });
});
