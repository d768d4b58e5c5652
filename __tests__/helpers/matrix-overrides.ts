/** Matrix overrides files the tests share. */

/** A CUDA release newer than the shipped data, the driver branch that reports it, and a GPU nobody ships yet. */
export const NEW_RELEASE_AND_GPU = `# my team's additions until cuda-gate ships them
sources:
  notes: CUDA 13.9 release notes, Table 3 (https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/)
releases:
  - version: "13.9.0"
    label: CUDA 13.9 GA
    linuxDriver: "640.10.01"
    cudart: ["13.9.30"]
    source: notes
branches:
  - { branch: 640, cuda: "13.9", source: notes }
gpus:
  - name: RTX 9090
    aliases: [GeForce RTX 9090]
    computeCapability: "12.0"
    architecture: Blackwell
    segment: consumer
    datacenter: false
    brands: [geforce]
    source: nvidia-smi -q on our lab machine
`;
