/**
 * One small image with everything the layers stage must get right: a libcudart symlink chain, a directory symlink
 * added later, a whiteout, an opaque directory with a same-layer child, a same-layer hardlink, ENV/LABEL history
 * entries without layers. Tests write it once as an OCI layout and turn it into every other format.
 */
import { Readable } from 'node:stream';
import { analyseLayer } from '../../src/layers/analyse-layer';
import { mergeLayers } from '../../src/layers/merge';
import { namedLayer } from '../../src/layers/named';
import type { FileSystemView, InterestFn, LayerResult } from '../../src/layers/types';
import type { Image, ImageConfig } from '../../src/sources/types';
import type { ImageSpec } from './oci-layout';

export const CUDA_FIXTURE: ImageSpec = {
  env: { CUDA_VERSION: '12.4.127', NVIDIA_REQUIRE_CUDA: 'cuda>=12.4' },
  labels: { 'com.example.cuda': '12.4' },
  history: [
    { created_by: '/bin/sh -c #(nop) COPY dir:aaaa in / ' },
    { created_by: '/bin/sh -c #(nop)  ENV CUDA_VERSION=12.4.127', empty_layer: true },
    { created_by: 'LABEL com.example.cuda=12.4', empty_layer: true },
    { created_by: 'RUN /bin/sh -c ln -s cuda-12.4 /usr/local/cuda && rm /etc/old.conf # buildkit' },
    { created_by: '/bin/sh -c #(nop) COPY file:bbbb in /etc/new.conf ' },
  ],
  layers: [
    {
      'etc/': { dir: true },
      'etc/old.conf': 'old',
      'opt/': { dir: true },
      'opt/app/': { dir: true },
      'opt/app/a.txt': 'a',
      'opt/app/b.txt': 'b',
      'usr/': { dir: true },
      'usr/local/': { dir: true },
      'usr/local/cuda-12.4/': { dir: true },
      'usr/local/cuda-12.4/version.json': '{"cuda":{"name":"CUDA SDK","version":"12.4.1"}}',
      'usr/local/cuda-12.4/lib64/': { dir: true },
      'usr/local/cuda-12.4/lib64/libcudart.so.12.4.127': 'not really an ELF: cudart 12.4.127',
      'usr/local/cuda-12.4/lib64/libcudart.so.12': { symlink: 'libcudart.so.12.4.127' },
      'usr/local/cuda-12.4/lib64/libcudart.so': { symlink: 'libcudart.so.12' },
    },
    {
      'etc/': { dir: true },
      'etc/.wh.old.conf': '',
      'opt/': { dir: true },
      'opt/app/': { dir: true },
      'opt/app/.wh..wh..opq': '',
      'opt/app/c.txt': 'c',
      'opt/conda/': { dir: true },
      'opt/conda/pkgs/': { dir: true },
      'opt/conda/pkgs/libnvrtc.so.12.4.127': 'nvrtc',
      'opt/conda/lib/': { dir: true },
      'opt/conda/lib/libnvrtc.so.12.4.127': { hardlink: 'opt/conda/pkgs/libnvrtc.so.12.4.127' },
      'usr/': { dir: true },
      'usr/local/': { dir: true },
      'usr/local/cuda': { symlink: 'cuda-12.4' },
    },
    {
      'etc/': { dir: true },
      'etc/new.conf': 'new',
    },
  ],
};

/** Detectors' stand-in: every regular file, with content. */
export const EVERYTHING: InterestFn = () => ({ content: 4096 });

export interface ReadBack {
  results: LayerResult[];
  config: ImageConfig;
  view: FileSystemView;
}

/** Streams every layer of `image` through analyseLayer and merges them, as the engine will. */
export async function readBack(image: Image, interest: InterestFn = EVERYTHING): Promise<ReadBack> {
  const read = await image.readLayers((layer, tar: Readable) => analyseLayer(tar, layer.descriptor, interest));
  // nothing is left out here, so every slot holds a result; each named after the layer's final descriptor, as the engine does
  const results = read.results.map((r, i) => namedLayer(r as LayerResult, read.layers[i]));
  return { results, config: read.config, view: mergeLayers(results, read.config.history) };
}

/** A LayerResult without what legitimately differs between formats (the stored blob's digest). */
export function contentOf(r: LayerResult): Omit<LayerResult, 'digest' | 'findings'> & { findings: unknown[] } {
  const { digest: _digest, findings, ...rest } = r;
  return { ...rest, findings: findings.map(({ layer: _layer, ...f }) => f) };
}
