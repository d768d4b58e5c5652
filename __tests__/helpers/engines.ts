/**
 * Real engines for integration tests: dockerd at DOCKER_HOST, a registry at TEST_REGISTRY, skopeo on PATH
 * (scripts/test.sh starts them). Without them an integration suite is skipped, saying why in its title
 * (helpers/skip.ts), and listed at the end of the run with that reason: never passed silently.
 */
import { spawnSync } from 'node:child_process';
import { describeUnless } from './skip';

function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

export type Need = 'docker' | 'skopeo';

/** Why a suite needing `needs` cannot run here, or undefined when it can. */
export function missingEngines(needs: Need[]): string | undefined {
  const missing: string[] = [];
  if (needs.includes('docker')) {
    if (!process.env.DOCKER_HOST) missing.push('DOCKER_HOST is unset');
    if (!onPath('docker')) missing.push('no docker CLI on PATH');
  }
  if (needs.includes('skopeo') && !onPath('skopeo')) missing.push('no skopeo on PATH');
  return missing.length > 0 ? missing.join(', ') : undefined;
}

/** `describe` when the engines are there; otherwise the block is skipped, its title saying what is missing. */
export function describeWithEngines(name: string, needs: Need[], fn: () => void): void {
  describeUnless(withHint(missingEngines(needs)), name, fn);
}

/** The reason a suite is skipped for lack of engines, with how to run it. */
export function withHint(why: string | undefined): string | undefined {
  return why && `${why} (npm test starts dockerd and a registry)`;
}

export { describeUnless };
