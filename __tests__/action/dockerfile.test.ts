/**
 * Finding the Dockerfile line a layer's history instruction came from: history and Dockerfile spell the same
 * instruction differently (shell prefixes, build-arg prefixes, `# buildkit`, legacy `COPY dir:<hash> in /dest`,
 * continuation lines, flags, heredocs), and only the stages that make up the final image count. Which Dockerfile an
 * image was built from: the dockerfile input, paired with images line by line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finalBaseLine, findConfigKeyLine, findDockerfileLine, parseDockerfile, resolveDockerfiles } from '../../src/action/dockerfile';
import { getInputs } from '../../src/action/inputs';
import type { GateError } from '../../src/common/errors';
import { tempDir } from '../helpers/tmp';

const dockerfile = [
  '# syntax=docker/dockerfile:1.7', // 1
  'FROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04 AS base', // 2
  '', // 3
  '# the runtime libraries', // 4
  'ENV NV_CUDA_CUDART_VERSION=12.4.127-1 \\', // 5
  '    CUDA_VERSION=12.4.1', // 6
  'RUN apt-get update && \\', // 7
  '    # comment lines inside a continuation are dropped', // 8
  '    apt-get install -y --no-install-recommends \\', // 9
  '        cuda-cudart-12-4=$NV_CUDA_CUDART_VERSION cuda-compat-12-4', // 10
  'LABEL "com.nvidia.cudnn.version"="9.1.0.70-1" maintainer=me', // 11
  'WORKDIR /app', // 12
  'COPY --chown=app:app requirements.txt ./', // 13
  'RUN --mount=type=cache,target=/root/.cache pip install -r requirements.txt', // 14
  'COPY . /app', // 15
].join('\n');

describe('findDockerfileLine', () => {
  test('a legacy-builder RUN (variables kept as ${VAR}) matches the continued RUN by its first line', () => {
    const history = 'RUN apt-get update && apt-get install -y --no-install-recommends cuda-cudart-12-4=${NV_CUDA_CUDART_VERSION} cuda-compat-12-4';
    expect(findDockerfileLine(dockerfile, history)).toBe(7);
  });

  test('the raw history forms match too: /bin/sh -c, #(nop), BuildKit suffix and build-arg prefix', () => {
    expect(
      findDockerfileLine(
        dockerfile,
        '/bin/sh -c apt-get update && apt-get install -y --no-install-recommends cuda-cudart-12-4=${NV_CUDA_CUDART_VERSION} cuda-compat-12-4',
      ),
    ).toBe(7);
    expect(findDockerfileLine(dockerfile, 'RUN /bin/sh -c pip install -r requirements.txt # buildkit')).toBe(14);
    expect(findDockerfileLine(dockerfile, 'RUN |2 PIP_INDEX=https://x TORCH=2.3 /bin/sh -c pip install -r requirements.txt # buildkit')).toBe(14);
    expect(findDockerfileLine(dockerfile, '|1 PIP_INDEX=https://x /bin/sh -c pip install -r requirements.txt')).toBe(14);
  });

  test('a legacy-builder COPY (hashed source) matches on the destination', () => {
    expect(findDockerfileLine(dockerfile, 'COPY dir:4f1e0b2c in /app')).toBe(15);
    expect(findDockerfileLine(dockerfile, '/bin/sh -c #(nop) COPY dir:4f1e0b2c in /app ')).toBe(15);
    // the legacy builder writes a relative destination as given
    expect(findDockerfileLine(dockerfile, 'COPY file:9ab3c0 in ./ ')).toBe(13);
  });

  test('a BuildKit COPY matches on sources and destination, flags ignored', () => {
    expect(findDockerfileLine(dockerfile, 'COPY . /app # buildkit')).toBe(15);
    expect(findDockerfileLine(dockerfile, 'COPY requirements.txt ./ # buildkit')).toBe(13);
    expect(findDockerfileLine(dockerfile, 'COPY rootfs/ / # buildkit')).toBeUndefined();
  });

  test('an instruction that is not in the Dockerfile (a base-image layer) has no line', () => {
    expect(
      findDockerfileLine(dockerfile, 'RUN apt-get install -y --no-install-recommends libcublas-12-4=${NV_LIBCUBLAS_VERSION} ${NV_LIBNCCL_PACKAGE}'),
    ).toBeUndefined();
    expect(findDockerfileLine(dockerfile, 'ADD file:0123abcd in / ')).toBeUndefined();
  });

  test('a SHELL other than /bin/sh (legacy history has no RUN keyword then) still matches', () => {
    const df = 'FROM ubuntu\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN curl -fsSL https://x/cuda.sh | bash\n';
    expect(findDockerfileLine(df, '/bin/bash -o pipefail -c curl -fsSL https://x/cuda.sh | bash')).toBe(3);
  });

  test('exec-form RUN and COPY match', () => {
    const df = 'FROM ubuntu\nRUN ["apt-get", "install", "-y", "cuda-cudart-12-4"]\nCOPY ["lib/", "/usr/local/lib/"]\n';
    expect(findDockerfileLine(df, 'RUN apt-get install -y cuda-cudart-12-4 # buildkit')).toBe(2);
    expect(findDockerfileLine(df, 'COPY lib/ /usr/local/lib/ # buildkit')).toBe(3);
  });

  test('a heredoc RUN is one instruction; its body counts and its lines are not read as instructions', () => {
    const df = ['FROM ubuntu', 'RUN <<EOF', 'apt-get update', 'apt-get install -y cuda-cudart-12-4', 'EOF', 'COPY . /app'].join('\n');
    const parsed = parseDockerfile(df);
    expect(parsed.stages[0].instructions.map((i) => [i.keyword, i.line])).toEqual([
      ['RUN', 2],
      ['COPY', 6],
    ]);
    expect(findDockerfileLine(df, 'RUN /bin/sh -c apt-get update\napt-get install -y cuda-cudart-12-4 # buildkit')).toBe(2);
  });

  test('the escape directive switches continuations to backticks', () => {
    const df = ['# escape=`', 'FROM ubuntu', 'RUN apt-get install -y `', '    cuda-cudart-12-4', 'RUN echo done'].join('\n');
    expect(findDockerfileLine(df, 'RUN apt-get install -y cuda-cudart-12-4')).toBe(3);
    expect(parseDockerfile(df).stages[0].instructions).toHaveLength(2);
  });

  test('only the stages that make up the final image are searched', () => {
    const df = [
      'FROM nvidia/cuda:12.4.1-devel-ubuntu22.04 AS build', // 1
      'RUN make CUDA_ARCH=sm_90', // 2
      'FROM nvidia/cuda:12.4.1-runtime-ubuntu22.04 AS runtime', // 3
      'RUN apt-get install -y libnccl2', // 4
      'FROM runtime', // 5
      'COPY --from=build /src/out /app', // 6
    ].join('\n');
    expect(findDockerfileLine(df, 'RUN make CUDA_ARCH=sm_90')).toBeUndefined();
    expect(findDockerfileLine(df, 'RUN apt-get install -y libnccl2')).toBe(4);
    expect(findDockerfileLine(df, 'COPY /src/out /app # buildkit')).toBe(6);
  });
});

describe('findConfigKeyLine', () => {
  test('an env key set in a continued multi-key ENV', () => {
    expect(findConfigKeyLine(dockerfile, 'env:CUDA_VERSION')).toBe(5);
    expect(findConfigKeyLine(dockerfile, 'env:NV_CUDA_CUDART_VERSION')).toBe(5);
  });

  test('the legacy one-pair ENV form and quoted LABEL keys', () => {
    expect(findConfigKeyLine('FROM x\nENV NVIDIA_REQUIRE_CUDA cuda>=12.4 brand=tesla,driver>=535\n', 'env:NVIDIA_REQUIRE_CUDA')).toBe(2);
    expect(findConfigKeyLine(dockerfile, 'label:com.nvidia.cudnn.version')).toBe(11);
  });

  test('a key the Dockerfile does not set (the base image did) has no line', () => {
    expect(findConfigKeyLine(dockerfile, 'env:NV_CUDNN_VERSION')).toBeUndefined();
    // a key that only appears in a value is not set by that line
    expect(findConfigKeyLine('FROM x\nENV A=CUDA_VERSION\n', 'env:CUDA_VERSION')).toBeUndefined();
  });

  test('the last ENV that sets the key wins', () => {
    expect(findConfigKeyLine('FROM x\nENV CUDA_VERSION=12.1\nENV CUDA_VERSION=12.4\n', 'env:CUDA_VERSION')).toBe(3);
  });
});

describe('finalBaseLine', () => {
  test('the FROM of the final stage, following FROM <stage> back to the external base', () => {
    const df = [
      '# syntax=docker/dockerfile:1',
      'FROM --platform=$BUILDPLATFORM golang AS tools',
      'RUN go build',
      'FROM nvidia/cuda:12.4.1-base-ubuntu22.04 AS base',
      'RUN true',
      'FROM base',
      'COPY --from=tools /go/bin/x /x',
    ].join('\n');
    expect(finalBaseLine(parseDockerfile(df))).toBe(4);
    expect(finalBaseLine(parseDockerfile('FROM a AS one\nFROM b\n'))).toBe(2);
  });

  test('a file with no FROM has none', () => {
    expect(finalBaseLine(parseDockerfile('# nothing here\n'))).toBeUndefined();
  });
});

describe('resolveDockerfiles: which Dockerfile each image was built from (the dockerfile input)', () => {
  const repo = tempDir('cg-dockerfiles-');
  mkdirSync(join(repo, 'docker'));
  writeFileSync(join(repo, 'Dockerfile'), 'FROM root\n');
  writeFileSync(join(repo, 'docker/trainer.Dockerfile'), 'FROM trainer\n');
  writeFileSync(join(repo, 'docker/inference.Dockerfile'), 'FROM inference\n');
  const at = { cwd: repo, workspace: repo };

  test('one line applies to every image', () => {
    const r = resolveDockerfiles(['docker/trainer.Dockerfile'], ['a', 'b'], at);
    expect(r.warning).toBeUndefined();
    expect([...r.bySource]).toEqual([
      ['a', { path: 'docker/trainer.Dockerfile', text: 'FROM trainer\n' }],
      ['b', { path: 'docker/trainer.Dockerfile', text: 'FROM trainer\n' }],
    ]);
  });

  test('one line per image pairs them by position, as baseline-images', () => {
    const r = resolveDockerfiles(['./docker/trainer.Dockerfile', 'docker/inference.Dockerfile'], ['app-trainer:pr', 'app-inference:pr'], at);
    expect(r.bySource.get('app-trainer:pr')?.text).toBe('FROM trainer\n');
    expect(r.bySource.get('app-inference:pr')).toEqual({ path: 'docker/inference.Dockerfile', text: 'FROM inference\n' });
  });

  test('none given: ./Dockerfile for every image when it exists, and no warning when it does not (a guess)', () => {
    expect(resolveDockerfiles([], ['a'], at).bySource.get('a')?.path).toBe('Dockerfile');
    const empty = tempDir('cg-no-dockerfile-');
    expect(resolveDockerfiles([], ['a'], { cwd: empty, workspace: empty })).toEqual({ bySource: new Map() });
  });

  test('a path that does not exist is one warning naming it, its images and the fix; the other images keep theirs', () => {
    const r = resolveDockerfiles(['docker/trainer.Dockerfile', 'docker/infrence.Dockerfile'], ['app-trainer:pr', 'app-inference:pr'], at);
    expect(r.bySource.has('app-trainer:pr')).toBe(true);
    expect(r.bySource.has('app-inference:pr')).toBe(false);
    expect(r.warning).toMatch(
      /^cuda-gate: dockerfile "docker\/infrence\.Dockerfile" does not exist \(for app-inference:pr\): annotations for those images point at no line\./,
    );
    expect(r.warning).toMatch(/Fix: set dockerfile to the path of the Dockerfile each image was built from, relative to the repository root/);
    expect(r.warning!.split('\n')).toHaveLength(1);
  });

  test('a directory is not a Dockerfile; several unreadable paths are still one warning', () => {
    const r = resolveDockerfiles(['docker', 'gone/Dockerfile'], ['a', 'b'], at);
    expect(r.bySource.size).toBe(0);
    expect(r.warning).toMatch(/dockerfile "docker" is a directory, not a Dockerfile \(for a\); "gone\/Dockerfile" does not exist \(for b\)/);
  });

  test('an absolute path inside the workspace becomes repository-relative, as annotations need', () => {
    const r = resolveDockerfiles([join(repo, 'docker/inference.Dockerfile')], ['a'], { cwd: '/', workspace: repo });
    expect(r.bySource.get('a')?.path).toBe('docker/inference.Dockerfile');
  });
});

describe('the dockerfile input', () => {
  const env = (extra: Record<string, string>) => ({ INPUT_IMAGES: 'app-a:pr\napp-b:pr\napp-c:pr', ...extra });

  test('is a list: none, one for all, or one per image', () => {
    expect(getInputs(env({})).dockerfile).toEqual([]);
    expect(getInputs(env({ INPUT_DOCKERFILE: 'Dockerfile' })).dockerfile).toEqual(['Dockerfile']);
    expect(getInputs(env({ INPUT_DOCKERFILE: 'a.Dockerfile\nb.Dockerfile # the inference image\nc.Dockerfile' })).dockerfile).toEqual([
      'a.Dockerfile',
      'b.Dockerfile',
      'c.Dockerfile',
    ]);
  });

  test('another count than one or one per image is bad input naming both counts and the fix', () => {
    let line = '';
    try {
      getInputs(env({ INPUT_DOCKERFILE: 'a.Dockerfile\nb.Dockerfile' }));
    } catch (e) {
      line = (e as GateError).toLine();
    }
    expect(line).toMatch(/input "dockerfile": 2 Dockerfiles for 3 images.*give one Dockerfile for all images, or one per line of images, in the same order/);
  });

  test('aggregate mode does not pair it', () => {
    expect(getInputs({ INPUT_MODE: 'aggregate', INPUT_REPORTS: 'r/*.json', INPUT_DOCKERFILE: 'a\nb' }).dockerfile).toEqual(['a', 'b']);
  });
});
