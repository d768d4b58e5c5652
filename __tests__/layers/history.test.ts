import { instructionOf, layerInstructions } from '../../src/layers/history';

describe('instructionOf', () => {
  test.each([
    ['/bin/sh -c #(nop) COPY dir:abc in / ', 'COPY dir:abc in /'],
    ['/bin/sh -c #(nop)  ENV CUDA_VERSION=12.4.127', 'ENV CUDA_VERSION=12.4.127'],
    ['/bin/sh -c #(nop)  CMD ["sh"]', 'CMD ["sh"]'],
    ['/bin/sh -c apt-get update && apt-get install -y cuda', 'RUN apt-get update && apt-get install -y cuda'],
    ['|2 CUDA=12.4 ARCH=x86_64 /bin/sh -c make install', 'RUN make install'],
    ['RUN /bin/sh -c pip install torch # buildkit', 'RUN pip install torch'],
    ['COPY /usr/local/cuda /usr/local/cuda # buildkit', 'COPY /usr/local/cuda /usr/local/cuda'],
    ['ENV NVIDIA_REQUIRE_CUDA=cuda>=12.4 brand=tesla,driver>=470,driver<471', 'ENV NVIDIA_REQUIRE_CUDA=cuda>=12.4 brand=tesla,driver>=470,driver<471'],
  ])('%s -> %s', (createdBy, expected) => {
    expect(instructionOf(createdBy)).toBe(expected);
  });

  test('keeps long instructions whole', () => {
    const long = `RUN ${'x'.repeat(5000)}`;
    expect(instructionOf(`/bin/sh -c ${'x'.repeat(5000)}`)).toBe(long);
  });
});

describe('layerInstructions', () => {
  test('layers beyond the history get no instruction', () => {
    expect(layerInstructions([{ created_by: 'COPY a /' }], 2)).toEqual(['COPY a /', undefined]);
  });
});
