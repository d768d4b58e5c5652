/** The workflow_run event mode: comment starts from, and the pull-request note a report artifact carries. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GateError } from '../../src/common/errors';
import { parsePullRequestNote, workflowRunContext } from '../../src/action/workflow-run';
import { tempDir } from '../helpers/tmp';
import { fixture } from './run-action';

function envFor(payload: unknown, eventName = 'workflow_run'): NodeJS.ProcessEnv {
  const path = join(tempDir(), 'event.json');
  writeFileSync(path, JSON.stringify(payload));
  return { GITHUB_EVENT_NAME: eventName, GITHUB_EVENT_PATH: path, GITHUB_REPOSITORY: 'octo-org/gpu-service' };
}

const HEAD = '6dcb09b5b57875f334f61aebed695e2e4193db5e';

test("a fork's completed run: its id, head commit and head repository, and no pull requests", () => {
  expect(workflowRunContext(envFor(fixture('workflow_run.completed.json')))).toEqual({
    owner: 'octo-org',
    repo: 'gpu-service',
    repoId: 712345678,
    runId: 11922330001,
    runNumber: 318,
    workflowName: 'cuda-gate',
    event: 'pull_request',
    conclusion: 'failure',
    headSha: HEAD,
    headBranch: 'cuda-12.4',
    headRepository: 'ada-dev/gpu-service',
    htmlUrl: 'https://github.com/octo-org/gpu-service/actions/runs/11922330001',
    pullRequests: [],
  });
});

test('the pull requests GitHub lists keep the repository they are opened against', () => {
  const payload = fixture('workflow_run.completed.json') as { workflow_run: Record<string, unknown> };
  payload.workflow_run.pull_requests = [{ number: 42, head: { sha: HEAD, ref: 'cuda-12.4', repo: { id: 1 } }, base: { ref: 'main', repo: { id: 712345678 } } }];
  expect(workflowRunContext(envFor(payload)).pullRequests).toEqual([{ number: 42, headSha: HEAD, baseRepoId: 712345678 }]);
});

test('another event is bad input that names workflow_run and the example', () => {
  const e = (() => {
    try {
      workflowRunContext(envFor({}, 'pull_request'));
    } catch (err) {
      return err as GateError;
    }
  })();
  expect(e).toBeInstanceOf(GateError);
  expect(e!.toLine()).toBe(
    'mode: comment runs on workflow_run events, and this run was started by "pull_request" (trigger its workflow with on: workflow_run: { workflows: [the gate workflow], types: [completed] } (examples/workflows/fork-comment.yml))',
  );
});

test('a payload without a commit SHA is refused', () => {
  const payload = fixture('workflow_run.completed.json') as { workflow_run: Record<string, unknown> };
  payload.workflow_run.head_sha = 'main';
  expect(() => workflowRunContext(envFor(payload))).toThrow(/workflow_run\.head_sha.*is not a commit SHA/);
});

describe('the pull-request note', () => {
  const note = { schemaVersion: 1, repository: 'octo-org/gpu-service', number: 42, headSha: HEAD };
  test('is read when it has every field', () => {
    expect(parsePullRequestNote(JSON.stringify(note))).toEqual(note);
  });
  test.each([
    ['not JSON', '{'],
    ['a number that is not one', JSON.stringify({ ...note, number: '42; rm -rf /' })],
    ['a short SHA', JSON.stringify({ ...note, headSha: HEAD.slice(0, 7) })],
    ['another schema version', JSON.stringify({ ...note, schemaVersion: 2 })],
    ['over 4 KiB', JSON.stringify({ ...note, pad: 'x'.repeat(5000) })],
  ])('is ignored when it is %s', (_, text) => {
    expect(parsePullRequestNote(text)).toBeUndefined();
  });
});
