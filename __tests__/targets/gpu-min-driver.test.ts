/**
 * A target GPU with a per-GPU minimum driver (matrix/gpus.yaml `minDriver`): the RTX PRO 4500 Blackwell Server
 * Edition (AWS G7) needs driver 595 or later although Blackwell's first branch is R570.
 */
import { loadMatrix } from '../../src/matrix/load';
import { deriveRequirement } from '../../src/requirement/derive';
import { adHocTarget } from '../../src/targets/load';
import { judge } from '../../src/verdict/judge';
import { DEFAULT_POLICY } from '../../src/model/policy';
import { cudartFile } from '../helpers/evidence';

const matrix = loadMatrix();
const cudart = cudartFile;

function reasonsOn(driver: string, gpu: string) {
  const requirement = deriveRequirement({ evidence: [cudart('12.8.90')], require: { expressions: [], disabled: false } }, matrix);
  const result = judge({ image: 'img', requirement, target: adHocTarget({ driver, gpu }, matrix), policy: DEFAULT_POLICY }, matrix);
  return { result, gpuDriver: result.reasons.filter((r) => r.code === 'GPU_UNSUPPORTED_BY_DRIVER') };
}

describe('a per-GPU minimum driver', () => {
  test('the target resolves the nvidia-smi name to the catalogued GPU with its floor', () => {
    const t = adHocTarget({ driver: '580.95.05', gpu: 'NVIDIA RTX PRO 4500 Blackwell Server Edition' }, matrix);
    expect(t.gpu).toMatchObject({ computeCapability: '12.0', datacenter: true, gpu: { minDriver: '595' } });
  });

  test('RTX PRO 4500 Blackwell Server Edition on R580 fails GPU_UNSUPPORTED_BY_DRIVER naming 595 and its source', () => {
    const { result, gpuDriver } = reasonsOn('580.95.05', 'RTX PRO 4500 Blackwell Server Edition');
    expect(result.verdict).toBe('fail');
    expect(gpuDriver).toHaveLength(1);
    expect(gpuDriver[0].verdict).toBe('fail');
    expect(gpuDriver[0].message).toContain('RTX PRO 4500 Blackwell Server Edition needs driver branch R595 or later');
    expect(gpuDriver[0].message).toContain('G7 EC2 instance type requires NVIDIA driver version 595 or later');
    expect(gpuDriver[0].message).toContain('580.95.05');
    expect(gpuDriver[0].remedy).toContain('R595');
  });

  test('on R595 the floor is met; a driver below the architecture branch still names the branch', () => {
    expect(reasonsOn('595.45.04', 'RTX PRO 4500 Blackwell Server Edition').gpuDriver).toEqual([]);
    expect(reasonsOn('595.91.07', 'NVIDIA RTX PRO 4500 Blackwell Server Edition').gpuDriver).toEqual([]);
    const old = reasonsOn('565.57.01', 'RTX PRO 4500 Blackwell Server Edition').gpuDriver;
    expect(old).toHaveLength(1);
    expect(old[0].message).toContain('R570');
  });

  test('the same architecture without a floor (the workstation RTX PRO 4500, or a bare 12.0) runs on R580', () => {
    expect(reasonsOn('580.95.05', 'RTX PRO 4500 Blackwell').gpuDriver).toEqual([]);
    expect(reasonsOn('580.95.05', '12.0').gpuDriver).toEqual([]);
  });
});
