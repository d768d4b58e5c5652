/**
 * The bundle reads the shipped matrix from dist/matrix-snapshot.json (parsed at package time) instead of parsing its
 * YAML at every start. The snapshot must hold exactly what parsing the current files gives, and an edited matrix
 * (a --matrix directory, a changed file) must never be answered from it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml } from '../../src/matrix/yaml-file';
import { tempDir } from '../helpers/tmp';

const ROOT = join(__dirname, '../..');
const MATRIX = join(ROOT, 'matrix');
const CLI = join(ROOT, 'dist/cli.js');
const snapshot = JSON.parse(readFileSync(join(ROOT, 'dist/matrix-snapshot.json'), 'utf8')) as Record<string, unknown>;

test('the snapshot holds every shipped matrix file, parsed as the loader parses it', () => {
  const files = readdirSync(MATRIX).filter((n) => n.endsWith('.yaml'));
  expect(Object.keys(snapshot)).toHaveLength(files.length);
  for (const name of files) {
    const text = readFileSync(join(MATRIX, name), 'utf8');
    const key = createHash('sha256').update(text).digest('hex');
    expect({ name, data: snapshot[key] }).toEqual({ name, data: parseYaml(text).doc.toJS() });
  }
});

test('an edited matrix directory is read from its YAML, not from the snapshot', () => {
  const dir = tempDir('cg-matrix-');
  cpSync(MATRIX, dir, { recursive: true });
  const run = (matrixDir: string) =>
    JSON.parse(
      execFileSync('node', [CLI, 'check', `docker-archive:${join(ROOT, 'examples/images/cuda12.4-app.tar')}`, '--driver', '470.82.01', '--gpu', 'T4', '--format', 'json', '--no-cache', '--fail-on', 'never', '--matrix', matrixDir], { encoding: 'utf8' }),
    ).results as unknown[];
  const shipped = run(dir);
  const file = join(dir, 'drivers.yaml');
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, `${text}\n# edited: same facts, other text\n`);
  expect(run(dir)).toEqual(shipped);

  // a broken edit is reported with its line: the YAML was parsed, no snapshot papered over it
  writeFileSync(file, `${text}\n  - oops: [\n`);
  const broken = spawnSync('node', [CLI, 'check', 'docker-archive:x.tar', '--driver', '470.82.01', '--matrix', dir], { encoding: 'utf8' });
  expect(broken.status).toBe(2);
  expect(broken.stderr).toMatch(/drivers\.yaml:\d+/);
});
