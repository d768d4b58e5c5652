/**
 * Layer tars written by hand with tar-stream, so a test controls every entry: whiteouts, opaque markers, links,
 * overlayfs char-device whiteouts — things `docker build FROM scratch` cannot produce.
 */
import { pack } from 'tar-stream';

export type LayerEntrySpec = string | Buffer | { symlink: string } | { hardlink: string } | { dir: true } | { charDevice: [major: number, minor: number] };

/** path -> entry, in tar order. A key "a/.wh.b" is a whiteout, "a/.wh..wh..opq" an opaque marker (value ""). */
export type LayerSpec = Record<string, LayerEntrySpec>;

/** Fixed mtime: the same spec always gives the same bytes, hence the same digests. */
const EPOCH = new Date(0);

export async function packLayer(spec: LayerSpec): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', () => resolve());
    p.on('error', reject);
  });
  for (const [name, entry] of Object.entries(spec)) {
    const base = { name, mtime: EPOCH, uid: 0, gid: 0 };
    if (typeof entry === 'string' || Buffer.isBuffer(entry)) {
      const body = Buffer.isBuffer(entry) ? entry : Buffer.from(entry);
      await add(p, { ...base, type: 'file', mode: 0o644, size: body.length }, body);
    } else if ('symlink' in entry) {
      await add(p, { ...base, type: 'symlink', mode: 0o777, linkname: entry.symlink });
    } else if ('hardlink' in entry) {
      await add(p, { ...base, type: 'link', mode: 0o644, linkname: entry.hardlink });
    } else if ('dir' in entry) {
      await add(p, { ...base, type: 'directory', mode: 0o755 });
    } else {
      const [devmajor, devminor] = entry.charDevice;
      await add(p, { ...base, type: 'character-device', mode: 0o600, devmajor, devminor });
    }
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

function add(p: ReturnType<typeof pack>, header: Parameters<ReturnType<typeof pack>['entry']>[0], body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
    if (body) p.entry(header, body, cb);
    else p.entry(header, cb);
  });
}
