import { GateError } from '../common/errors';
import { findGpu, suggestGpus } from '../matrix/queries';
import type { Matrix } from '../matrix/types';
import type { TargetGpu } from '../model/target';

const CC_RE = /^(?:sm_?)?(\d{1,2})\.?(\d)$/i;

/** A GPU name from matrix/gpus.yaml or a compute capability ("8.0", "sm_80"). */
export function resolveTargetGpu(matrix: Matrix, input: string, where: string): TargetGpu {
  const name = input.trim();
  const gpu = findGpu(matrix, name);
  if (gpu?.catalogued) {
    return {
      input: name,
      gpu,
      computeCapability: gpu.computeCapability,
      architecture: gpu.architecture,
      datacenter: gpu.datacenter,
      brands: gpu.brands,
    };
  }
  const cc = CC_RE.exec(name);
  if (cc && (name.includes('.') || /^sm_?\d+$/i.test(name))) {
    const computeCapability = `${Number(cc[1])}.${cc[2]}`;
    const sameCc = matrix.gpus.filter((g) => g.computeCapability === computeCapability);
    return {
      input: name,
      computeCapability,
      architecture: sameCc[0]?.architecture,
      brands: [],
    };
  }
  // a bare number is ambiguous ("90": compute capability 9.0? a GPU model?): ask rather than guess
  const bare = /^(\d{1,2})(\d)$/.exec(name);
  if (bare) {
    const cc = `${Number(bare[1])}.${bare[2]}`;
    throw new GateError(
      'UNKNOWN_GPU',
      `${where}: "${name}" is a number, not a GPU name`,
      `for compute capability ${cc} write "${cc}" (or sm_${name}); otherwise give the GPU's name as nvidia-smi --query-gpu=name prints it (e.g. "NVIDIA H100 80GB HBM3")`,
    );
  }
  const close = suggestGpus(matrix, name);
  throw new GateError(
    'UNKNOWN_GPU',
    `${where}: unknown GPU "${name}"`,
    close.length
      ? `did you mean ${close.map((c) => `"${c}"`).join(', ')}? Or give the compute capability, e.g. gpu: "8.0"`
      : 'use a name from matrix/gpus.yaml (e.g. A100, H100, T4, L4, B200) or a compute capability such as "8.0"',
  );
}
