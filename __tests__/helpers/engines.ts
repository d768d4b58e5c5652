/**
 * Real engines for integration tests: dockerd at DOCKER_HOST, a registry at TEST_REGISTRY, skopeo on PATH
 * (scripts/test.sh starts them). Without them an integration suite is skipped LOUDLY, never passed silently.
 */
import { spawnSync } from 'node:child_process';

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

/** `describe` when the engines are there; otherwise `describe.skip` with a warning saying how to run it. */
export function describeWithEngines(name: string, needs: Need[], fn: () => void): void {
  describeUnless(missingEngines(needs), name, fn);
}

/** `describe` when nothing is missing (`why` undefined); otherwise `describe.skip`, saying why and how to run it. */
export function describeUnless(why: string | undefined, name: string, fn: () => void): void {
  if (why === undefined) {
    describe(name, fn);
    return;
  }
  const message = `SKIPPED integration suite "${name}": ${why}. Run \`npm test\` (scripts/test.sh starts dockerd and a registry).`;
  console.warn(message);
  // Jest drops console output of a file whose tests are all skipped; stderr always reaches the log.
  process.stderr.write(`\n${message}\n`);
  describe.skip(name, fn);
}
