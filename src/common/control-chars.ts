/**
 * The one treatment of control characters in text that reaches a terminal, a log, markdown or an HTML comment.
 * Image content is untrusted (labels, env values, paths, history instructions), and so are messages quoting it: a
 * C0/C1 control (ESC sequences, BEL, CR, LF), a Unicode line separator or a bidi override must never end a line,
 * move the cursor or reorder what a reviewer reads. Call sites differ only in what they keep and how a character
 * shows; each states it in its options.
 */

export interface ControlCharOptions {
  /** what each character becomes: `\xNN`; nothing; one space per run; `%XX` (upper-case hex) */
  as: 'escape' | 'strip' | 'space' | 'percent';
  /** C0 characters left as they are ('\t', '\n', '\r') */
  keep?: string;
  /** ASCII controls only (C0 and DEL): no C1, no line separators, no bidi controls */
  ascii?: boolean;
  /** U+2028 and U+2029 count (default true; never with `ascii`) */
  lineSeparators?: boolean;
  /** other characters that count ('%"<>' for a quoted value in an HTML comment) */
  also?: string;
}

const patterns = new Map<string, RegExp>();

function pattern(o: ControlCharOptions): RegExp {
  const key = JSON.stringify([o.as === 'space', o.keep ?? '', o.ascii ?? false, o.lineSeparators ?? true, o.also ?? '']);
  let re = patterns.get(key);
  if (!re) {
    let set = '';
    for (let c = 0; c < 0x20; c++) if (!o.keep?.includes(String.fromCharCode(c))) set += `\\u${c.toString(16).padStart(4, '0')}`;
    set += '\\u007f';
    if (!o.ascii) set += `\\u0080-\\u009f\\u202a-\\u202e\\u2066-\\u2069${o.lineSeparators === false ? '' : '\\u2028\\u2029'}`;
    set += (o.also ?? '').replace(/[\\\]^-]/g, '\\$&');
    re = new RegExp(`[${set}]${o.as === 'space' ? '+' : ''}`, 'g');
    patterns.set(key, re);
  }
  return re;
}

export function sanitizeControl(s: string, o: ControlCharOptions): string {
  const re = pattern(o);
  switch (o.as) {
    case 'escape':
      return s.replace(re, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
    case 'percent':
      return s.replace(re, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
    case 'strip':
      return s.replace(re, '');
    case 'space':
      return s.replace(re, ' ');
  }
}

/**
 * Whitespace the GitHub Actions runner trims before it looks for `::` (.NET `TrimStart()`: `char.IsWhiteSpace`, a
 * subset of JavaScript's `\s` plus U+0085).
 */
const RUNNER_LEADING_SPACE = '[\\s\\u0085]*';

/**
 * Text printed to a log the GitHub Actions runner reads (a `run:` step's stdout/stderr), made inert: the runner
 * executes a line as a workflow command when, after its leading whitespace, it starts with `::` (`::error::…`,
 * `::add-mask::…`, `::stop-commands::…`), or when it contains `##[` anywhere (the legacy `##[error]…` form) —
 * indenting a line does not help. Such a line gets `:\x3a` for its leading `::` and `#\x23[` for every `##[`,
 * as a reader of the terminal text sees other escaped characters. For output that never means to issue a command.
 */
export function inertToRunner(text: string): string {
  return text.replace(new RegExp(`(^|[\\r\\n])(${RUNNER_LEADING_SPACE})::`, 'g'), '$1$2:\\x3a').replace(/##\[/g, '#\\x23[');
}
