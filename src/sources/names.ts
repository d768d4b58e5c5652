/**
 * Matching the image name a user typed against the names an archive records (RepoTags, ref.name annotations):
 * `docker save` writes "app:1", podman "localhost/app:1", skopeo "docker.io/library/app:1".
 */

/** "docker.io/library/app" -> "app:latest"; "localhost/x:1" -> "x:1". Digests are kept as they are. */
export function canonicalName(name: string): string {
  let n = name.trim();
  for (const prefix of ['docker.io/', 'index.docker.io/', 'localhost/']) {
    if (n.startsWith(prefix)) n = n.slice(prefix.length);
  }
  if (n.startsWith('library/')) n = n.slice('library/'.length);
  const lastSlash = n.lastIndexOf('/');
  if (!n.includes('@') && !n.slice(lastSlash + 1).includes(':')) n += ':latest';
  return n;
}

/** Does the reference the user gave name this recorded image name? A bare tag ("1") matches "app:1" too. */
export function nameMatches(wanted: string, recorded: string): boolean {
  if (wanted === recorded) return true;
  if (canonicalName(wanted) === canonicalName(recorded)) return true;
  // Docker >= 25 writes only the tag in org.opencontainers.image.ref.name
  return !recorded.includes(':') && !recorded.includes('/') && canonicalName(wanted).endsWith(`:${recorded}`);
}

/** "@2" -> 2 (skopeo's "N-th image of the archive" form), else undefined. */
export function archiveIndex(reference: string | undefined): number | undefined {
  const m = reference === undefined ? null : /^@(\d+)$/.exec(reference);
  return m ? Number.parseInt(m[1], 10) : undefined;
}
