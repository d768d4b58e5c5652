/**
 * The example workflows are what users copy: every input they give the action exists in action.yml, the actions
 * they use are the node24 majors, a newer push cancels an older run (so an older run cannot overwrite a newer
 * comment), and each workflow posts one PR comment at most.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './run-action';

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on?: Record<string, unknown>;
  concurrency?: { group?: string; 'cancel-in-progress'?: unknown };
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const DIR = join(ROOT, 'examples/workflows');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yml'));
const workflow = (f: string) => parse(readFileSync(join(DIR, f), 'utf8')) as Workflow;
const inputs = Object.keys((parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> }).inputs);
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);
const gateSteps = (w: Workflow) => steps(w).filter((s) => s.uses === 'ORG/cuda-gate@v0');

/** The majors that run on node24 (December 2026), each needing actions/runner >= 2.327.1. */
const NODE24 = {
  'actions/checkout': 7,
  'actions/upload-artifact': 7,
  'actions/download-artifact': 8,
  'docker/build-push-action': 7,
  'docker/setup-buildx-action': 4,
  'docker/login-action': 4,
};

test('there are examples', () => {
  expect(files.sort()).toEqual([
    'build-then-gate.yml',
    'fork-comment.yml',
    'fork-gate.yml',
    'gate-registry-matrix.yml',
    'matrix-aggregate.yml',
    'required-check.yml',
  ]);
});

describe.each(files)('%s', (file) => {
  const w = workflow(file);

  test('every input given to the action is one action.yml declares', () => {
    expect(gateSteps(w).length).toBeGreaterThan(0);
    for (const s of gateSteps(w)) for (const key of Object.keys(s.with ?? {})) expect(inputs).toContain(key);
  });

  test('actions are pinned to their node24 majors', () => {
    for (const s of steps(w).filter((x) => x.uses && !x.uses.startsWith('ORG/'))) {
      const [name, ref] = s.uses!.split('@');
      expect(Object.keys(NODE24)).toContain(name);
      expect(ref).toBe(`v${NODE24[name as keyof typeof NODE24]}`);
    }
    expect(readFileSync(join(DIR, file), 'utf8')).toContain('actions/runner v2.327.1 or later');
  });

  test('one run per workflow and pull request: a newer push cancels the older run', () => {
    if (w.on?.workflow_run) {
      // started by another run: one per PR branch (the event has no pull_request), the newer replacing the older
      expect(w.concurrency?.group).toBe(
        '${{ github.workflow }}-${{ github.event.workflow_run.head_repository.full_name }}-${{ github.event.workflow_run.head_branch }}',
      );
      expect(w.concurrency?.['cancel-in-progress']).toBe(true);
      return;
    }
    expect(w.concurrency?.group).toBe('${{ github.workflow }}-${{ github.event.pull_request.number || github.ref }}');
    expect(w.concurrency?.['cancel-in-progress']).toBe("${{ github.event_name == 'pull_request' }}");
  });

  test('at most one step posts a PR comment', () => {
    const commenting = gateSteps(w).filter((s) => s.with?.comment !== 'never');
    expect(commenting.length).toBeLessThanOrEqual(1);
  });
});

test('the registry example reads docker:// with packages: read, each leg reports, and the aggregate posts the one comment', () => {
  const w = workflow('gate-registry-matrix.yml');
  const leg = w.jobs.gate;
  expect(leg.permissions).toMatchObject({ packages: 'read' });
  const gate = leg.steps.find((s) => s.uses === 'ORG/cuda-gate@v0')!;
  expect(gate.with).toMatchObject({ images: 'docker://${{ matrix.image }}', comment: 'never', 'fail-on': 'never' });
  expect(String(gate.with!['report-artifact'])).toContain('${{ matrix.name }}');
  const aggregate = w.jobs['cuda-gate'];
  expect(aggregate.permissions).toMatchObject({ 'pull-requests': 'write' });
  expect(aggregate.steps.find((s) => s.uses === 'ORG/cuda-gate@v0')!.with).toMatchObject({ mode: 'aggregate', reports: 'artifact:cuda-gate-published-*' });
});

test('the fork pair: the gate uploads its report and posts nothing; the trusted workflow_run job comments from it and checks out nothing', () => {
  const gateWorkflow = workflow('fork-gate.yml') as Workflow & { name: string };
  const comment = workflow('fork-comment.yml');
  const gate = gateSteps(gateWorkflow)[0];
  expect(gateWorkflow.on).toHaveProperty('pull_request');
  expect(gateWorkflow.permissions).toEqual({ contents: 'read' });
  expect(gate.with).toMatchObject({ comment: 'never', 'report-artifact': 'cuda-gate-report' });

  expect(comment.on).toEqual({ workflow_run: { workflows: [gateWorkflow.name], types: ['completed'] } });
  expect(comment.permissions).toEqual({ actions: 'read', contents: 'read', 'pull-requests': 'write' });
  expect(steps(comment).map((s) => s.uses)).toEqual(['ORG/cuda-gate@v0']);
  expect(gateSteps(comment)[0].with).toEqual({ mode: 'comment', 'report-artifact': gate.with!['report-artifact'] });
  const job = Object.values(comment.jobs)[0] as Job & { if?: string };
  expect(job.if).toContain("github.event.workflow_run.event == 'pull_request'");
  expect(job.if).toContain("github.event.workflow_run.conclusion != 'cancelled'");
});
