// Renders GitHub-flavoured markdown the way a PR comment shows it (an 880-px column, GitHub's fonts and table and
// <details> styles, close enough to measure) in headless Chromium, and reports the rendered height. Used by
// __tests__/report/rendered-height.test.ts and scripts/render-comment.mjs. Chromium is Debian's `chromium`.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { marked } = require('marked');

const COLUMN_PX = 880;
const CSS = `body{width:${COLUMN_PX}px;margin:0;padding:16px;box-sizing:border-box;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI","Noto Sans",Helvetica,Arial,sans-serif,"Noto Color Emoji";font-size:14px;line-height:1.5;color:#1f2328;word-wrap:break-word}
table{border-collapse:collapse;display:block;width:max-content;max-width:100%;overflow:auto;margin:0 0 16px}
td,th{border:1px solid #d1d9e0;padding:6px 13px} th{font-weight:600} tr:nth-child(2n){background:#f6f8fa}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:85%;background:#eff1f3;padding:.2em .4em;border-radius:6px}
h1,h2,h3,h4{margin:24px 0 16px;font-weight:600;line-height:1.25} h3{font-size:1.25em} h4{font-size:1em}
p,ul,ol,details,blockquote{margin:0 0 16px} ul,ol{padding-left:2em} li+li{margin-top:.25em} sub{font-size:75%}
blockquote{padding:0 1em;color:#59636e;border-left:.25em solid #d1d9e0}`;

function chromium() {
  for (const bin of ['chromium', 'chromium-browser', 'google-chrome']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0) return bin;
  }
  return undefined;
}

/**
 * { height, width, html } of the markdown in the comment column (width: the widest visible table with the page's
 * padding, so a table that scrolls shows as wider than the column); `png`: also write a screenshot there.
 */
function renderMarkdown(markdown, png) {
  const bin = chromium();
  if (!bin) throw new Error('chromium is not installed (apt-get install chromium fonts-noto-color-emoji)');
  const dir = mkdtempSync(join(tmpdir(), 'cg-render-'));
  try {
    const body = marked.parse(markdown, { gfm: true });
    const html = `<!doctype html><html><head><meta charset="utf-8"><style>${CSS}</style></head><body>${body}<script>document.title='H'+document.body.scrollHeight+'W'+Math.max(document.body.scrollWidth,...[...document.querySelectorAll('table')].map(t=>t.scrollWidth+32))</script></body></html>`;
    writeFileSync(join(dir, 'page.html'), html);
    const flags = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${join(dir, 'profile')}`,
    ];
    const dom = execFileSync(bin, [...flags, '--dump-dom', `file://${join(dir, 'page.html')}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 60_000,
    });
    const m = /<title>H(\d+)W(\d+)<\/title>/.exec(dom);
    if (!m) throw new Error('chromium rendered no page');
    const height = Number(m[1]);
    if (png)
      execFileSync(bin, [...flags, `--window-size=${COLUMN_PX},${Math.min(height, 16000)}`, `--screenshot=${png}`, `file://${join(dir, 'page.html')}`], {
        stdio: 'ignore',
        timeout: 60_000,
      });
    return { height, width: Number(m[2]), html };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { renderMarkdown, chromium, COLUMN_PX };
