// One self-contained HTML page: a header that says how to reproduce it, then each section's facts,
// notes and charts. Vega, Vega-Lite and vega-embed are inlined, so the page works offline. After
// drawing, the page records each chart's mark count in `window.tesseraCharts` (the browser test
// compares it with the number of data points).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Section } from './sections';

export interface ReportMeta {
  command: string;
  inputs: { path: string; sha256: string }[];
  version: string;
  date: string;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** JSON inside a <script>: `<` escaped so no string can close the element. */
const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c');

/** The minified browser build of a package (its package.json is not exported, so walk up from its entry). */
function browserBuild(pkg: string, file: string): string {
  const req = createRequire(import.meta.url);
  let dir = dirname(req.resolve(pkg));
  while (!dir.endsWith(`node_modules/${pkg}`) && dirname(dir) !== dir) dir = dirname(dir);
  return readFileSync(join(dir, 'build', file), 'utf8').replace(/<\/script/gi, '<\\/script');
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:980px;color:#222}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ddd}table{border-collapse:collapse}
td{padding:2px 12px 2px 0;vertical-align:top}td:first-child{color:#666}.note{color:#8a6d3b}
.caption{color:#555;font-size:.9em}header{background:#f6f6f6;padding:.6em 1em;font-size:.85em}code{word-break:break-all}`;

function sectionHtml(s: Section): string {
  const facts = s.facts.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join('');
  const notes = s.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('');
  const charts = s.charts.map((c) => `<h3>${esc(c.title)}</h3><p class="caption">${esc(c.caption)}</p><div id="${esc(c.id)}"></div>`).join('');
  return `<section><h2>${esc(s.title)}</h2><table>${facts}</table>${notes}${charts}</section>`;
}

const DRAW = `(async () => {
  const charts = JSON.parse(document.getElementById('tessera-charts').textContent);
  const count = (node, name) => { let n = 0; const walk = (x) => { if (!x) return; if (x.marktype && x.name === name) n += x.items.length; (x.items || []).forEach(walk); }; walk(node); return n; };
  window.tesseraCharts = [];
  for (const c of charts) {
    const r = await vegaEmbed('#' + c.id, c.spec, { renderer: 'svg', actions: false });
    window.tesseraCharts.push({ id: c.id, points: c.points, drawn: count(r.view.scenegraph().root, c.mark) });
  }
  window.tesseraDone = true;
})().catch((e) => { console.error(e); window.tesseraDone = true; });`;

/** The page's HTML text. */
export function reportHtml(sections: Section[], meta: ReportMeta): string {
  const charts = sections.flatMap((s) => s.charts.map((c) => ({ id: c.id, spec: c.spec, points: c.points, mark: c.mark })));
  const inputs = meta.inputs.map((i) => `<div><code>${esc(i.path)}</code> sha256 <code>${i.sha256}</code></div>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tessera report</title><style>${STYLE}</style>
<script>${browserBuild('vega', 'vega.min.js')}</script>
<script>${browserBuild('vega-lite', 'vega-lite.min.js')}</script>
<script>${browserBuild('vega-embed', 'vega-embed.min.js')}</script></head><body>
<h1>Tessera report</h1>
<header><div>command: <code>${esc(meta.command)}</code></div>${inputs}<div>Tessera ${esc(meta.version)}, ${esc(meta.date)}</div></header>
${sections.map(sectionHtml).join('\n')}
<script type="application/json" id="tessera-charts">${scriptJson(charts)}</script>
<script>${DRAW}</script></body></html>
`;
}
