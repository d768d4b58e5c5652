/**
 * Image content is untrusted: labels, env values, paths and instructions come from the pull request under test.
 * Everything drawn from an image goes through these before it is rendered, so it shows as inert text.
 */
import { sanitizeControl } from '../common/control-chars';

const MD_SPECIAL: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '|': '&#124;',
  '`': '&#96;',
  '*': '&#42;',
  _: '&#95;',
  '[': '&#91;',
  ']': '&#93;',
  '\\': '&#92;',
  '#': '&#35;',
  '!': '&#33;',
  '~': '&#126;',
  '@': '&#64;',
  ':': '&#58;',
};

/** Text for markdown (tables, lists, <details>): entity-encoded, one line, control characters removed. */
export function md(s: string | number | undefined): string {
  if (s === undefined) return '';
  return stripControl(String(s))
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[&<>"'|`*_[\]\\#!~@:]/g, (c) => MD_SPECIAL[c]);
}

/** Like md() but wrapped as inline code; safe because the content is entity-encoded inside an HTML element. */
export function mdCode(s: string | undefined): string {
  return s === undefined || s === '' ? '' : `<code>${md(s)}</code>`;
}

/**
 * Text for a terminal: C0/C1 control characters (ESC sequences, BEL, CR, LF) shown as \xNN, never interpreted —
 * a line break from the image must not start a line of its own (a forged "gate passed").
 */
export function term(s: string | number | undefined): string {
  if (s === undefined) return '';
  return sanitizeControl(String(s), { as: 'escape', keep: '\t' });
}

/** Text for a workflow command (annotations): the runner's own escaping of %, CR, LF, plus control chars. */
export function workflowCommandText(s: string): string {
  return stripControl(s).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Removed: controls other than tab, CR and LF (md() folds those, workflow commands escape them); U+2028/9 stay. */
function stripControl(s: string): string {
  return sanitizeControl(s, { as: 'strip', keep: '\t\n\r', lineSeparators: false });
}
