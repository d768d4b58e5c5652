/**
 * Where the matrix lives: an explicit directory, else $CUDA_GATE_MATRIX_DIR, else the nearest `matrix/` above this
 * module — src/matrix/ under ts-jest, dist/ in the bundled action and CLI, both inside the repository that ships it.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { GateError } from '../common/errors';

export const MATRIX_DIR_ENV = 'CUDA_GATE_MATRIX_DIR';

export function findMatrixDir(explicit?: string): string {
  if (explicit) return resolve(explicit);
  const fromEnv = process.env[MATRIX_DIR_ENV];
  if (fromEnv) return resolve(fromEnv);
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'matrix');
    if (existsSync(join(candidate, 'toolkits.yaml'))) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new GateError(
    'BAD_MATRIX',
    `no matrix/toolkits.yaml found in ${__dirname} or any directory above it`,
    `set ${MATRIX_DIR_ENV} to the directory holding the matrix YAML files`,
  );
}
