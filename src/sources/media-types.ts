/** The OCI and Docker v2 media types every source resolves images by, and the descriptor shape they share. */
export const OCI_INDEX_TYPE = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_LIST_TYPE = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const OCI_MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';

export const INDEX_TYPES: ReadonlySet<string> = new Set([OCI_INDEX_TYPE, DOCKER_LIST_TYPE]);
export const MANIFEST_TYPES: ReadonlySet<string> = new Set([OCI_MANIFEST_TYPE, DOCKER_MANIFEST_TYPE]);

/** Nested indexes are legal; real ones go two deep. Bounded so a cyclic graph cannot spin. */
export const MAX_INDEX_DEPTH = 4;

export type { Descriptor } from './schemas';
