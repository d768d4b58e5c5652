/** The line both renderers put above the table when the verdicts rest on the user's matrix overrides as well. */
import type { Report } from './types';

/** Rows named one by one; the rest counted (the JSON report lists every row with its file and source). */
const SHOWN = 12;
/** Ids and file names come from the user's repository (a PR can change them): the note stays one readable line. */
const MAX_CHARS = 1500;

export function overridesNote(report: Report): string | undefined {
  const rows = report.matrix.overrides;
  if (!rows?.length) return undefined;
  const files = [...new Set(rows.map((o) => o.file))];
  const named = rows.slice(0, SHOWN).map((o) => `${o.table} ${o.id} (${o.action})`);
  const more = rows.length > SHOWN ? `, and ${rows.length - SHOWN} more` : '';
  const note = `matrix overrides used (${files.join(', ')}): ${rows.length} row${rows.length > 1 ? 's' : ''} merged over matrix ${report.matrix.version} — ${named.join(', ')}${more}; verdicts rest on these rows too`;
  return note.length > MAX_CHARS ? `${note.slice(0, MAX_CHARS - 1)}…` : note;
}
