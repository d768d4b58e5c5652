/**
 * The action's `targets: k8s:FILE`: a cluster's nodes as an earlier step saved them (kubectl get nodes -o json). It is
 * read as given — on a pull request too, where a targets file is read as of the base commit: the nodes file is the
 * cluster now, not a policy file of the repository.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getInputs } from '../../src/action/inputs';
import { resolvePolicy } from '../../src/action/policy-source';
import { mixedFleetNodes, nodesJson } from '../helpers/k8s-nodes';
import { tempDir } from '../helpers/tmp';

test('targets: k8s:FILE passes the input checks and is read as given, whatever policy-from says', () => {
  const inputs = getInputs({ INPUT_IMAGES: 'oci:x', INPUT_TARGETS: 'k8s:nodes.json?forward-compat=true' });
  expect([inputs.targets, inputs.policyFrom]).toEqual(['k8s:nodes.json?forward-compat=true', 'head']);
  expect(getInputs({ INPUT_IMAGES: 'oci:x', INPUT_TARGETS: 'k8s:nodes.json', 'INPUT_POLICY-FROM': 'base' }).policyFrom).toBe('head');
  // a targets file keeps the base commit's policy
  expect(getInputs({ INPUT_IMAGES: 'oci:x', INPUT_TARGETS: '.github/cuda-targets.yml' }).policyFrom).toBe('base');
});

test('on a pull request the nodes file becomes one target per driver x GPU', async () => {
  const dir = tempDir('cg-action-k8s-');
  const file = join(dir, 'nodes.json');
  writeFileSync(file, nodesJson(mixedFleetNodes()));
  const event = join(dir, 'event.json');
  writeFileSync(event, JSON.stringify({ pull_request: { number: 7, base: { sha: 'a'.repeat(40), repo: { full_name: 'o/r' } } } }));
  const inputs = getInputs({ INPUT_IMAGES: 'oci:x', INPUT_TARGETS: `k8s:${file}?runtime=cdi` });
  const resolved = await resolvePolicy({
    policyFrom: inputs.policyFrom,
    targets: inputs.targets,
    matrixOverrides: [],
    env: { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event, GITHUB_REPOSITORY: 'o/r' },
  });
  expect(resolved.targets.map((t) => [t.name, t.driver, t.runtime])).toEqual([
    ['tesla-k80', '470.256.02', 'cdi'],
    ['tesla-v100-sxm2-16gb', '535.230.02', 'cdi'],
    ['a100-sxm4-80gb', '550.163.01', 'cdi'],
    ['h100-80gb-hbm3', '580.95.05', 'cdi'],
    ['b200', '575.57.08', 'cdi'],
  ]);
  expect(resolved.source?.from).toBe('head');
});
