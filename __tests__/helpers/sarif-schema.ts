/**
 * The official SARIF 2.1.0 JSON schema (draft-04; __tests__/fixtures/sarif/SOURCE.md says where it comes from),
 * compiled once with ajv-draft-04 and ajv-formats (uri, uri-reference, date-time checked).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const SCHEMA = JSON.parse(readFileSync(join(__dirname, '../fixtures/sarif/sarif-schema-2.1.0.json'), 'utf8'));

let compiled: ReturnType<Ajv['compile']> | undefined;

/** The schema's complaints about a SARIF log, one line each ("/runs/0/results/0/level must be equal to one of …"); [] when valid. */
export function sarifSchemaErrors(log: unknown): string[] {
  if (!compiled) {
    // unicodeRegExp off: the schema's language pattern (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`) has a stray `]`
    // that only non-unicode regular expressions accept, as the schema's own draft-04 validators read it
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    compiled = ajv.compile(SCHEMA);
  }
  return compiled(log) ? [] : (compiled.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
