/**
 * One image built in the real dockerd with NVIDIA's real CUDA 13.0 runtime (libcudart.so.13 and its dist-info from
 * /usr/local/cuda), then saved as docker-archive, converted by skopeo to oci-archive and an oci layout, written in
 * the Docker >= 25 layout, and read from each: the evidence and the verdicts must be identical.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseImage } from '../../src/engine/check';
import type { ReportEvidence } from '../../src/report/types';
import { loadMatrix } from '../../src/matrix/load';
import { adHocTarget } from '../../src/targets/load';
import { DEFAULT_POLICY } from '../../src/model/policy';
import { judge } from '../../src/verdict/judge';
import { writeDocker25Archive } from '../helpers/archives';
import { removeImages, run, saveImage, skopeoCopy, uniqueTag } from '../helpers/docker-cli';
import { missingEngines, withHint } from '../helpers/engines';
import { describeUnless } from '../helpers/skip';
import { tempDir } from '../helpers/tmp';

const CUDA = '/usr/local/cuda';
const CUDART = join(CUDA, 'lib64/libcudart.so.13');
const DIST_INFO_DIR = existsSync(join(CUDA, 'dist-info')) ? readdirSync(join(CUDA, 'dist-info')).find((d) => d.startsWith('nvidia_cuda_runtime-')) : undefined;
const haveCuda = existsSync(CUDART) && !!DIST_INFO_DIR;
const noCuda = haveCuda ? undefined : `${CUDART} or its dist-info is absent (no CUDA toolkit)`;

const matrix = loadMatrix();
const targets = [
  adHocTarget({ driver: '580.95.05', gpu: 'H100', name: 'r580-u2' }, matrix),
  adHocTarget({ driver: '580.65.06', gpu: 'H100', name: 'r580-ga' }, matrix),
  adHocTarget({ driver: '575.57.08', gpu: 'L4', name: 'r575' }, matrix),
];

/** Evidence without what legitimately differs between transports (blob digests of re-compressed layers). */
const portable = (ev: ReportEvidence[]) => ev.map(({ layer: _layer, ...rest }) => rest);

describeUnless(noCuda ?? withHint(missingEngines(['docker', 'skopeo'])), 'the real CUDA 13.0 runtime read from every source kind', () => {
  const tag = uniqueTag('real-cuda13');
  const dir = tempDir('cg-engine-');
  const sources: Record<string, string> = {};

  beforeAll(async () => {
    const ctx = tempDir('cg-ctx-');
    const lib = join(ctx, 'rootfs/usr/local/cuda-13.0/targets/x86_64-linux/lib');
    mkdirSync(lib, { recursive: true });
    copyFileSync(CUDART, join(lib, 'libcudart.so.13'));
    const di = join(ctx, 'rootfs/usr/local/cuda-13.0/dist-info', DIST_INFO_DIR!);
    mkdirSync(di, { recursive: true });
    for (const f of ['METADATA', 'WHEEL', 'top_level.txt']) {
      const src = join(CUDA, 'dist-info', DIST_INFO_DIR!, f);
      if (existsSync(src)) copyFileSync(src, join(di, f));
    }
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY rootfs/ /\nENV LD_LIBRARY_PATH=/usr/local/cuda-13.0/targets/x86_64-linux/lib\n');
    await run('docker', ['build', '-q', '-t', tag, ctx], { DOCKER_BUILDKIT: '0' });

    await saveImage(tag, join(dir, 'legacy.tar'));
    await skopeoCopy(`docker-archive:${join(dir, 'legacy.tar')}`, `oci-archive:${join(dir, 'oci.tar')}:cuda13`);
    await skopeoCopy(`docker-archive:${join(dir, 'legacy.tar')}`, `oci:${join(dir, 'layout')}:cuda13`);
    await writeDocker25Archive(join(dir, 'layout'), join(dir, 'docker25.tar'), tag.replace(/:1$/, ':25'));
    Object.assign(sources, {
      daemon: `docker-daemon:${tag}`,
      'docker-archive (legacy)': `docker-archive:${join(dir, 'legacy.tar')}`,
      'docker-archive (Docker >= 25)': `docker-archive:${join(dir, 'docker25.tar')}`,
      'oci-archive': `oci-archive:${join(dir, 'oci.tar')}`,
      oci: `oci:${join(dir, 'layout')}:cuda13`,
    });
  }, 120_000);

  afterAll(() => removeImages(tag));

  test('evidence and verdicts are identical across daemon, docker-archive (both layouts), oci-archive and oci', async () => {
    const seen: Record<string, { evidence: unknown; verdicts: unknown }> = {};
    for (const [kind, source] of Object.entries(sources)) {
      const { image, requirement } = await analyseImage(source, { matrix });
      seen[kind] = {
        evidence: portable(image.evidence),
        verdicts: targets.map((t) => {
          const r = judge({ image: 'x', requirement, target: t, policy: DEFAULT_POLICY }, matrix);
          return [t.name, r.verdict, r.reasons.map((x) => x.code)];
        }),
      };
    }
    const [first, ...rest] = Object.keys(seen);
    for (const k of rest) expect({ [k]: seen[k] }).toEqual({ [k]: seen[first] });
  });

  test('the real libcudart.so.13 is found with its exact version from the wheel metadata', async () => {
    const { image, requirement } = await analyseImage(sources['oci-archive'], { matrix });
    const version = /^Version: (.+)$/m.exec(readFileSync(join(CUDA, 'dist-info', DIST_INFO_DIR!, 'METADATA'), 'utf8'))![1].trim();
    const cudart = image.evidence.filter((e) => e.kind === 'cudart');
    expect(cudart.map((e) => e.path)).toContain('/usr/local/cuda-13.0/targets/x86_64-linux/lib/libcudart.so.13');
    expect(cudart.map((e) => e.version)).toContain(version);
    expect(requirement.majors).toEqual([13]);
    expect(image.evidence.find((e) => e.path?.endsWith('libcudart.so.13'))?.instruction).toMatch(/^COPY /);
  });

  test('verdicts: R580 GA runs it through minor-version compatibility, R575 cannot run CUDA 13', async () => {
    const { requirement } = await analyseImage(sources['docker-archive (legacy)'], { matrix });
    const v = (name: string) => judge({ image: 'x', requirement, target: targets.find((t) => t.name === name)!, policy: DEFAULT_POLICY }, matrix);
    expect(v('r580-u2').verdict).toBe('pass');
    expect(v('r580-ga').reasons.map((r) => r.code)).toContain('MINOR_VERSION_COMPAT');
    expect(v('r575').verdict).toBe('fail');
    expect(v('r575').reasons.map((r) => r.code)).toContain('DRIVER_TOO_OLD');
  });
});
