/**
 * A local layer blob cut exactly at an entry boundary parses as a valid, shorter tar. Only the missing
 * end-of-archive marker gives it away: the read must end in SCAN_INCOMPLETE, never a silent pass on fewer files.
 */
import { Readable } from 'node:stream';
import { evidenceInterest } from '../../src/evidence/interests';
import { analyseLayer } from '../../src/layers/analyse-layer';
import { checkScanComplete } from '../../src/verdict/scan-checks';
import { packLayer } from '../helpers/layer-tar';

const layer = { digest: 'sha256:' + 'c'.repeat(64) };

test('a layer tar cut at an entry boundary is reported as truncated and fails the scan', async () => {
  const whole = await packLayer({ 'usr/lib/libcudart.so.11.8.89': 'elf', 'opt/cuda-12.8/lib/libcudart.so.12.8.90': 'elf' });
  const firstEntryEnd = 512 + 512; // one header block + the padded 3-byte body
  const cut = whole.subarray(0, firstEntryEnd);
  const result = await analyseLayer(Readable.from([cut]), layer, evidenceInterest);
  expect(result.entries.map((e) => e.path)).toEqual(['usr/lib/libcudart.so.11.8.89']);
  expect(result.findings.map((f) => f.code)).toContain('LAYER_TRUNCATED');
  const reasons = checkScanComplete(result.findings);
  expect(reasons.map((r) => [r.code, r.verdict])).toEqual([['SCAN_INCOMPLETE', 'fail']]);
});

test('a complete layer tar carries its end marker and raises nothing', async () => {
  const whole = await packLayer({ 'usr/lib/libcudart.so.11.8.89': 'elf' });
  const result = await analyseLayer(Readable.from([whole]), layer, evidenceInterest);
  expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
});

test('the end marker is found however the stream is chunked', async () => {
  const whole = await packLayer({ 'usr/lib/libcudart.so.11.8.89': 'elf', 'a/b': 'x' });
  const chunks: Buffer[] = [];
  for (let i = 0; i < whole.length; i += 100) chunks.push(whole.subarray(i, i + 100));
  const result = await analyseLayer(Readable.from(chunks), layer, evidenceInterest);
  expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
});

test('a zero-byte layer blob is an empty layer, not a truncated one (Go reads io.EOF at once; Docker applies nothing)', async () => {
  const result = await analyseLayer(Readable.from([Buffer.alloc(0)]), layer, evidenceInterest);
  expect(result.entries).toEqual([]);
  expect(result.findings).toEqual([]);
  expect(checkScanComplete(result.findings)).toEqual([]);
});
