/** A report artifact's zip from another run is untrusted: what is read, what is ignored, what is refused. */
import { GateError } from '../../src/common/errors';
import { MAX_JSON_BYTES, MAX_ZIP_BYTES, MAX_ZIP_ENTRIES, PULL_REQUEST_FILE, readReportZip } from '../../src/action/report-zip';
import { makeZip } from './zip-writer';

const NAME = 'artifact "cuda-gate-report" of run 1';
const REPORT = '{"schemaVersion":1}';
const NOTE = '{"schemaVersion":1,"number":42}';

async function refusal(zip: Buffer): Promise<GateError> {
  const e = await readReportZip(zip, NAME).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(GateError);
  return e as GateError;
}

test('the report and the pull-request note are read; directories and other files are not', async () => {
  const zip = makeZip([
    { name: 'cuda-gate-report.json', data: REPORT },
    { name: PULL_REQUEST_FILE, data: NOTE, method: 'store' },
    { name: 'logs/', data: '' },
    { name: 'logs/build.txt', data: 'not json' },
    { name: 'legs/t4.json', data: REPORT },
  ]);
  const read = await readReportZip(zip, NAME);
  expect(read.reports).toEqual([
    { path: 'cuda-gate-report.json', text: REPORT },
    { path: 'legs/t4.json', text: REPORT },
  ]);
  expect(read.pullRequest).toBe(NOTE);
  expect(read.ignored).toEqual([]);
});

test('entries whose names leave the artifact are ignored and named: .., absolute, drive letters, backslashes, NUL', async () => {
  const zip = makeZip([
    { name: '../cuda-gate-report.json', data: REPORT },
    { name: 'reports/../../escape.json', data: REPORT },
    { name: '/etc/cuda-gate-report.json', data: REPORT },
    { name: 'C:/report.json', data: REPORT },
    { name: '..\\report.json', data: REPORT },
    { name: Buffer.from('a\0b.json'), data: REPORT },
    { name: 'ok.json', data: REPORT },
  ]);
  const read = await readReportZip(zip, NAME);
  expect(read.reports.map((r) => r.path)).toEqual(['ok.json']);
  expect(read.ignored).toEqual([
    '../cuda-gate-report.json',
    'reports/../../escape.json',
    '/etc/cuda-gate-report.json',
    'C:/report.json',
    '..\\x5creport.json',
    'a\\x00b.json',
  ]);
});

test('a note whose name climbs out is not the note', async () => {
  const read = await readReportZip(makeZip([{ name: `../${PULL_REQUEST_FILE}`, data: NOTE }]), NAME);
  expect(read.pullRequest).toBeUndefined();
  expect(read.reports).toEqual([]);
});

test('an entry that declares more than the limit is refused before it is inflated', async () => {
  // 33 MiB of spaces deflate to about 33 KiB: the zip is small, the entry is not
  const big = Buffer.alloc(MAX_JSON_BYTES + 1024 * 1024, 0x20);
  const e = await refusal(makeZip([{ name: 'cuda-gate-report.json', data: big }]));
  expect(e.code).toBe('LIMIT_EXCEEDED');
  expect(e.message).toContain(`entry cuda-gate-report.json inflates to ${big.length} bytes, over the limit of 32 MiB`);
});

test('an entry that inflates to more than it declares (a zip bomb) is refused', async () => {
  const e = await refusal(makeZip([{ name: 'cuda-gate-report.json', data: Buffer.alloc(4 * 1024 * 1024, 0x20), declaredSize: 100 }]));
  expect(e.code).toBe('BAD_REPORT');
  expect(e.message).toMatch(/is not a readable zip: too many bytes in the stream/);
});

test('a zip with more entries than a report artifact has is refused whole', async () => {
  const entries = Array.from({ length: MAX_ZIP_ENTRIES + 1 }, (_, i) => ({ name: `r${i}.json`, data: REPORT }));
  const e = await refusal(makeZip(entries));
  expect(e.code).toBe('LIMIT_EXCEEDED');
  expect(e.message).toContain(`holds ${MAX_ZIP_ENTRIES + 1} entries, more than the ${MAX_ZIP_ENTRIES}`);
  // one under the limit is read
  await expect(readReportZip(makeZip(entries.slice(1)), NAME)).resolves.toMatchObject({ ignored: [] });
});

test('a zip over the size limit is not opened', async () => {
  const e = await refusal(Buffer.alloc(MAX_ZIP_BYTES + 1));
  expect(e.code).toBe('LIMIT_EXCEEDED');
});

test('bytes that are not a zip are a bad report naming the artifact', async () => {
  const e = await refusal(Buffer.from('{"schemaVersion":1}'));
  expect(e.code).toBe('BAD_REPORT');
  expect(e.toLine()).toContain(`${NAME} is not a readable zip`);
});
