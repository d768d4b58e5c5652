// The inflate floor for the --jobs rows of `npm run bench`: gunzips byte ranges of a file (the gzip layer blobs
// inside an oci-archive) with Node's zlib as cuda-gate would at best (1 MiB reads, 256 KiB zlib chunks, output
// dropped), `parallel` ranges at a time. Usage: node scripts/bench-gunzip.mjs FILE PARALLEL START:LENGTH...
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

const [file, parallelText, ...ranges] = process.argv.slice(2);
const jobs = ranges.map((r) => r.split(':').map(Number));
let next = 0;
let bytes = 0;
const sink = () => new Writable({ write: (c, _e, cb) => ((bytes += c.length), cb()) });
await Promise.all(
  Array.from({ length: Number(parallelText) }, async () => {
    while (next < jobs.length) {
      const [start, length] = jobs[next++];
      await pipeline(createReadStream(file, { start, end: start + length - 1, highWaterMark: 1 << 20 }), createGunzip({ chunkSize: 256 << 10 }), sink());
    }
  }),
);
process.stderr.write(`${bytes} bytes inflated\n`);
