/**
 * `kubectl get nodes -o json` as a cluster prints it, built from the Kubernetes v1 Node schema (metadata.name,
 * metadata.labels, spec, status.capacity / allocatable with nvidia.com/gpu, status.nodeInfo, conditions, addresses)
 * and the labels NVIDIA GPU Feature Discovery writes (NVIDIA/k8s-device-plugin docs/gpu-feature-discovery/README.md
 * "Generated Labels"; internal/lm/nvml.go newVersionLabeler: the cuda.driver-version.* labels beside the deprecated
 * cuda.driver.major / minor / rev; internal/lm/resource.go: gpu.product is the NVML name with spaces as hyphens, plus
 * -MIG-<profile> under the single MIG strategy and -SHARED with time-slicing replicas; gpu.compute.major / minor).
 */

export interface GpuNodeSpec {
  name: string;
  /** NVML's name ("NVIDIA A100-SXM4-80GB"): gpu.product is it with hyphens for spaces */
  nvmlName: string;
  driver: string;
  /** the CUDA the driver reports (cuda.runtime-version.full) */
  cuda: string;
  cc: string;
  family: string;
  gpus: number;
  memoryMiB: number;
  /** an older GFD: only the deprecated cuda.driver.major / minor / rev labels */
  oldGfd?: boolean;
  /** MIG single strategy: the profile appended to the product */
  mig?: string;
  /** time-slicing replicas (> 1 appends -SHARED) */
  replicas?: number;
  instanceType?: string;
  osImage?: string;
  kernel?: string;
}

function baseNode(name: string, labels: Record<string, string>, capacity: Record<string, string>, nodeInfo: Record<string, string>, index: number): object {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
      creationTimestamp: '2026-10-01T12:00:00Z',
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        ...labels,
      },
      name,
      resourceVersion: String(4711 + index),
      uid: `6f1c1a2e-0000-4000-8000-${String(index).padStart(12, '0')}`,
    },
    spec: { podCIDR: `10.244.${index}.0/24`, podCIDRs: [`10.244.${index}.0/24`] },
    status: {
      addresses: [
        { address: `10.0.1.${10 + index}`, type: 'InternalIP' },
        { address: name, type: 'Hostname' },
      ],
      allocatable: { ...capacity, cpu: String(Number(capacity.cpu) - 1) },
      capacity,
      conditions: [
        {
          lastHeartbeatTime: '2026-12-03T09:00:00Z',
          lastTransitionTime: '2026-10-01T12:01:00Z',
          message: 'kubelet is posting ready status',
          reason: 'KubeletReady',
          status: 'True',
          type: 'Ready',
        },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: `b00t0000-0000-4000-8000-${String(index).padStart(12, '0')}`,
        containerRuntimeVersion: 'containerd://1.7.22',
        kubeProxyVersion: 'v1.31.2',
        kubeletVersion: 'v1.31.2',
        machineID: `${String(index).padStart(32, '0')}`,
        operatingSystem: 'linux',
        systemUUID: `ec2d0000-0000-4000-8000-${String(index).padStart(12, '0')}`,
        ...nodeInfo,
      },
    },
  };
}

export function gpuNode(s: GpuNodeSpec, index: number): object {
  const [major, minor, rev = ''] = s.driver.split('.');
  const [cudaMajor, cudaMinor] = s.cuda.split('.');
  const [ccMajor, ccMinor] = s.cc.split('.');
  const product = [s.nvmlName.replace(/ /g, '-'), ...(s.mig ? ['MIG', s.mig] : []), ...((s.replicas ?? 1) > 1 ? ['SHARED'] : [])].join('-');
  const labels: Record<string, string> = {
    'feature.node.kubernetes.io/pci-10de.present': 'true',
    ...(s.instanceType && { 'node.kubernetes.io/instance-type': s.instanceType }),
    // deprecated, still written (nvml.go)
    'nvidia.com/cuda.driver.major': major,
    'nvidia.com/cuda.driver.minor': minor,
    'nvidia.com/cuda.driver.rev': rev,
    'nvidia.com/cuda.runtime.major': cudaMajor,
    'nvidia.com/cuda.runtime.minor': cudaMinor,
    ...(!s.oldGfd && {
      'nvidia.com/cuda.driver-version.full': s.driver,
      'nvidia.com/cuda.driver-version.major': major,
      'nvidia.com/cuda.driver-version.minor': minor,
      'nvidia.com/cuda.driver-version.revision': rev,
      'nvidia.com/cuda.runtime-version.full': s.cuda,
      'nvidia.com/cuda.runtime-version.major': cudaMajor,
      'nvidia.com/cuda.runtime-version.minor': cudaMinor,
    }),
    'nvidia.com/gfd.timestamp': '1764752400',
    'nvidia.com/gpu.compute.major': ccMajor,
    'nvidia.com/gpu.compute.minor': ccMinor,
    'nvidia.com/gpu.count': String(s.gpus),
    'nvidia.com/gpu.family': s.family,
    'nvidia.com/gpu.machine': s.instanceType ?? 'PowerEdge-XE9680',
    'nvidia.com/gpu.memory': String(s.memoryMiB),
    'nvidia.com/gpu.mode': 'compute',
    'nvidia.com/gpu.present': 'true',
    'nvidia.com/gpu.product': product,
    'nvidia.com/gpu.replicas': String(s.replicas ?? 1),
    'nvidia.com/gpu.sharing-strategy': (s.replicas ?? 1) > 1 ? 'time-slicing' : 'none',
    'nvidia.com/mig.capable': s.mig ? 'true' : 'false',
    ...(s.mig && { 'nvidia.com/mig.strategy': 'single' }),
    'nvidia.com/mps.capable': 'false',
  };
  const gpus = s.gpus * (s.replicas ?? 1);
  return baseNode(
    s.name,
    labels,
    {
      cpu: '96',
      'ephemeral-storage': '1967292004Ki',
      'hugepages-1Gi': '0',
      'hugepages-2Mi': '0',
      memory: '1056466532Ki',
      'nvidia.com/gpu': String(gpus),
      pods: '110',
    },
    { kernelVersion: s.kernel ?? '5.15.0-126-generic', osImage: s.osImage ?? 'Ubuntu 22.04.5 LTS' },
    index,
  );
}

export function cpuNode(name: string, index: number, controlPlane = false): object {
  return baseNode(
    name,
    controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : { 'node.kubernetes.io/instance-type': 'm6i.4xlarge' },
    { cpu: '16', 'ephemeral-storage': '203056560Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '65020940Ki', pods: '110' },
    { kernelVersion: '5.15.0-126-generic', osImage: 'Ubuntu 22.04.5 LTS' },
    index,
  );
}

/** A GPU node GFD has not labelled yet: the device plugin's capacity and the operator's deploy labels only. */
export function unlabelledGpuNode(name: string, index: number): object {
  return baseNode(
    name,
    { 'feature.node.kubernetes.io/pci-10de.present': 'true', 'nvidia.com/gpu.present': 'true', 'nvidia.com/gpu.deploy.gpu-feature-discovery': 'true' },
    { cpu: '64', 'ephemeral-storage': '1967292004Ki', memory: '527990000Ki', 'nvidia.com/gpu': '4', pods: '110' },
    { kernelVersion: '5.15.0-126-generic', osImage: 'Ubuntu 22.04.5 LTS' },
    index,
  );
}

export const K80: Omit<GpuNodeSpec, 'name'> = {
  nvmlName: 'Tesla K80',
  driver: '470.256.02',
  cuda: '11.4',
  cc: '3.7',
  family: 'kepler',
  gpus: 8,
  memoryMiB: 11441,
  oldGfd: true,
  osImage: 'Ubuntu 20.04.6 LTS',
};
export const V100: Omit<GpuNodeSpec, 'name'> = {
  nvmlName: 'Tesla V100-SXM2-16GB',
  driver: '535.230.02',
  cuda: '12.2',
  cc: '7.0',
  family: 'volta',
  gpus: 8,
  memoryMiB: 16384,
};
export const A100: Omit<GpuNodeSpec, 'name'> = {
  nvmlName: 'NVIDIA A100-SXM4-80GB',
  driver: '550.163.01',
  cuda: '12.4',
  cc: '8.0',
  family: 'ampere',
  gpus: 8,
  memoryMiB: 81920,
};
export const H100: Omit<GpuNodeSpec, 'name'> = {
  nvmlName: 'NVIDIA H100 80GB HBM3',
  driver: '580.95.05',
  cuda: '13.0',
  cc: '9.0',
  family: 'hopper',
  gpus: 8,
  memoryMiB: 81559,
};
export const B200: Omit<GpuNodeSpec, 'name'> = {
  nvmlName: 'NVIDIA B200',
  driver: '575.57.08',
  cuda: '12.9',
  cc: '10.0',
  family: 'blackwell',
  gpus: 8,
  memoryMiB: 183359,
};

/**
 * The mixed fleet: K80 on R470 (an older GFD: deprecated driver labels only), V100 on R535 (one node time-sliced),
 * A100 on R550 (one node in MIG single mode), H100 on R580, B200 on R575; a control plane, a CPU worker, and a GPU
 * node GFD has not labelled yet.
 */
export function mixedFleetNodes(): object[] {
  const specs: GpuNodeSpec[] = [
    { name: 'gpu-k80-1', ...K80 },
    { name: 'gpu-k80-2', ...K80 },
    { name: 'gpu-v100-1', ...V100 },
    { name: 'gpu-v100-2', ...V100, replicas: 4 },
    { name: 'gpu-a100-1', ...A100 },
    { name: 'gpu-a100-2', ...A100, mig: '1g.10gb' },
    { name: 'gpu-h100-1', ...H100 },
    { name: 'gpu-h100-2', ...H100 },
    { name: 'gpu-b200-1', ...B200 },
  ];
  return [cpuNode('cp-1', 0, true), cpuNode('cpu-1', 1), ...specs.map((s, i) => gpuNode(s, i + 2)), unlabelledGpuNode('gpu-new-1', specs.length + 2)];
}

/** `kubectl get nodes -o json`: a v1 List of the nodes. */
export function nodeList(items: object[]): object {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

export function nodesJson(items: object[]): string {
  return `${JSON.stringify(nodeList(items), null, 4)}\n`;
}
