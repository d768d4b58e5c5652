/**
 * Tar files assembled by hand: an OCI layout dir tarred (oci-archive), and the Docker >= 25 `docker save` layout
 * (OCI layout + a legacy manifest.json pointing into blobs/, blobs FIRST in the stream) which the engines here
 * (dockerd 20.10) cannot produce.
 */
import { createWriteStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pack } from 'tar-stream';

const EPOCH = new Date(0);

export interface ExtraFile {
  name: string;
  body: Buffer | string;
}

/** Files of `dir`, relative, sorted (so archives are reproducible). */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(dir, full));
    }
  };
  walk(dir);
  return out;
}

/** Writes a tar of `entries` (name -> bytes) in the given order. */
export async function writeTar(out: string, entries: ExtraFile[]): Promise<void> {
  const p = pack();
  const written = pipeline(p, createWriteStream(out));
  for (const { name, body } of entries) {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    await new Promise<void>((resolve, reject) =>
      p.entry({ name, size: bytes.length, mtime: EPOCH, mode: 0o644 }, bytes, (err) => (err ? reject(err) : resolve())),
    );
  }
  p.finalize();
  await written;
}

/** `tar -C dir -cf out .`, in sorted order; `extra` entries are appended after the directory's files. */
export async function tarDirectory(dir: string, out: string, extra: ExtraFile[] = []): Promise<void> {
  const files = listFiles(dir).map((name) => ({ name, body: readFileSync(join(dir, name)) }));
  await writeTar(out, [...files, ...extra]);
}

/**
 * The Docker >= 25 save layout from an OCI layout dir: blobs/sha256/* first, then index.json, manifest.json
 * (Config/Layers pointing into blobs/), oci-layout, repositories — the order moby#47065 shows. The i-th index entry
 * gets the i-th tag; several tags make a multi-image archive (`docker save a b`).
 */
export async function writeDocker25Archive(ociDir: string, out: string, repoTags: string | string[]): Promise<void> {
  const tags = typeof repoTags === 'string' ? [repoTags] : repoTags;
  const index = JSON.parse(readFileSync(join(ociDir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const blob = (digest: string): string => `blobs/sha256/${digest.slice('sha256:'.length)}`;
  const legacyManifest = tags.map((tag, i) => {
    const manifest = JSON.parse(readFileSync(join(ociDir, blob(index.manifests[i].digest)), 'utf8')) as {
      config: { digest: string };
      layers: { digest: string }[];
    };
    return { Config: blob(manifest.config.digest), RepoTags: [tag], Layers: manifest.layers.map((l) => blob(l.digest)) };
  });
  const repositories = Object.fromEntries(tags.map((t) => [t.split(':')[0], { [t.split(':')[1]]: 'unused' }]));
  const blobs = listFiles(join(ociDir, 'blobs')).map((name) => ({ name: `blobs/${name}`, body: readFileSync(join(ociDir, 'blobs', name)) }));
  await writeTar(out, [
    ...blobs,
    { name: 'index.json', body: readFileSync(join(ociDir, 'index.json')) },
    { name: 'manifest.json', body: JSON.stringify(legacyManifest) },
    { name: 'oci-layout', body: readFileSync(join(ociDir, 'oci-layout')) },
    { name: 'repositories', body: JSON.stringify(repositories) },
  ]);
}
