/**
 * The answer reflects the image's FINAL filesystem: a libcudart deleted by a later layer (whiteout) or hidden by an
 * opaque directory does not count, and the verdict changes accordingly — read from an OCI layout and, through
 * skopeo + docker load, from the real dockerd.
 */
import { join } from 'node:path';
import { analyseImage } from '../../src/engine/check';
import { loadMatrix } from '../../src/matrix/load';
import { adHocTarget } from '../../src/targets/load';
import { DEFAULT_POLICY } from '../../src/model/policy';
import { judge } from '../../src/verdict/judge';
import { loadArchive, removeImages, skopeoCopy, uniqueTag } from '../helpers/docker-cli';
import { describeWithEngines } from '../helpers/engines';
import type { LayerSpec } from '../helpers/layer-tar';
import { writeOciImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';

const matrix = loadMatrix();
const r520 = adHocTarget({ driver: '520.61.05', name: 'r520' }, matrix);

const base: LayerSpec = {
  'opt/cuda-12.8/lib/libcudart.so.12.8.90': 'elf',
  'opt/cuda-12.8/lib/libcudart.so.12': { symlink: 'libcudart.so.12.8.90' },
  'usr/local/cuda-11.8/lib64/libcudart.so.11.8.89': 'elf',
};

async function verdictFor(layers: LayerSpec[], name: string) {
  const dir = tempDir('cg-wh-');
  await writeOciImage(dir, { layers }, name);
  const { requirement, image } = await analyseImage(`oci:${dir}:${name}`, { matrix });
  return { dir, image, result: judge({ image: 'x', requirement, target: r520, policy: DEFAULT_POLICY }, matrix) };
}

describe('whiteouts and opaque directories', () => {
  test('with both runtimes present, CUDA 12.8 decides and R520 fails', async () => {
    const { result, image } = await verdictFor([base], 'both');
    expect(image.cuda?.runtime).toBe('12.8.90');
    expect(result.verdict).toBe('fail');
  });

  test('a later layer deleting the CUDA 12.8 directory leaves CUDA 11.8, which R520 runs', async () => {
    const { result, image } = await verdictFor([base, { 'opt/.wh.cuda-12.8': '' }], 'whiteout');
    expect(image.cuda?.runtime).toBe('11.8.89');
    expect(image.evidence.some((e) => e.path?.includes('cuda-12.8'))).toBe(false);
    expect(result.verdict).toBe('pass');
  });

  test('an opaque marker hides the lower layer files of that directory', async () => {
    const { result, image } = await verdictFor([base, { 'opt/cuda-12.8/lib/.wh..wh..opq': '', 'opt/cuda-12.8/lib/README': 'emptied' }], 'opaque');
    expect(image.evidence.some((e) => e.path?.includes('libcudart.so.12'))).toBe(false);
    expect(result.verdict).toBe('pass');
  });

  test('a file re-added in the same layer as the opaque marker still counts', async () => {
    const { image } = await verdictFor([base, { 'opt/cuda-12.8/lib/.wh..wh..opq': '', 'opt/cuda-12.8/lib/libcudart.so.12.8.57': 'elf' }], 'opaque-readd');
    expect(image.cuda?.runtime).toBe('12.8.57');
  });

  test('deleting only the real file leaves a dangling symlink that does not count', async () => {
    const { image } = await verdictFor([base, { 'opt/cuda-12.8/lib/.wh.libcudart.so.12.8.90': '' }], 'dangling');
    expect(image.evidence.filter((e) => e.kind === 'cudart').map((e) => e.version)).toEqual(['11.8.89']);
  });
});

describeWithEngines('whiteouts read through the real dockerd', ['docker', 'skopeo'], () => {
  const tag = uniqueTag('whiteout');
  afterAll(() => removeImages(tag));
  test('the daemon export gives the same final filesystem as the OCI layout', async () => {
    const { dir } = await verdictFor([base, { 'opt/.wh.cuda-12.8': '' }], 'daemon');
    const archive = join(tempDir('cg-wh-arch-'), 'img.tar');
    await skopeoCopy(`oci:${dir}:daemon`, `docker-archive:${archive}:${tag}`);
    await loadArchive(archive);
    const fromDaemon = await analyseImage(`docker-daemon:${tag}`, { matrix });
    const fromLayout = await analyseImage(`oci:${dir}:daemon`, { matrix });
    expect(fromDaemon.image.cuda).toEqual(fromLayout.image.cuda);
    expect(fromDaemon.image.evidence.map(({ layer: _l, ...e }) => e)).toEqual(fromLayout.image.evidence.map(({ layer: _l, ...e }) => e));
    expect(judge({ image: 'x', requirement: fromDaemon.requirement, target: r520, policy: DEFAULT_POLICY }, matrix).verdict).toBe('pass');
  });
});
