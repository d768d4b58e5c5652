/** SourceRef -> Image, by kind. The one entry point the engine uses to read an image. */
import { GateError } from '../common/errors';
import { openDockerArchive } from './docker-archive';
import { openOciArchive } from './oci-archive';
import { openOciLayout } from './oci-layout';
import type { Image, OpenOptions, SourceRef } from './types';

export async function openImage(source: SourceRef, opts: OpenOptions = {}): Promise<Image> {
  switch (source.kind) {
    case 'docker-daemon': {
      // loaded on demand: dockerode and its transports are most of the CLI's start-up time
      const { openDaemonImage } = await import('./daemon');
      return openDaemonImage({ ...source, reference: required(source, source.reference) }, opts);
    }
    case 'docker-archive':
      return openDockerArchive({ ...source, path: required(source, source.path) }, opts);
    case 'oci-archive':
      return openOciArchive({ ...source, path: required(source, source.path) }, opts);
    case 'oci':
      return openOciLayout({ ...source, path: required(source, source.path) }, opts);
    case 'docker': {
      // loaded on demand, like the daemon: most runs read files
      const { openRegistryImage } = await import('./registry/registry-image');
      return openRegistryImage({ ...source, reference: required(source, source.reference) }, opts);
    }
  }
}

function required(source: SourceRef, value: string | undefined): string {
  if (value === undefined || value === '') {
    const what = source.kind === 'docker-daemon' || source.kind === 'docker' ? 'image' : 'path';
    throw new GateError('BAD_SOURCE_REF', `bad image source "${source.raw}": it names no ${what}`);
  }
  return value;
}
