// Every command the examples' READMEs show, run again with --json: what it prints validates against
// the committed JSON Schema of its kind (ajv), or, where the example shows a failure, is the
// diagnostics document with exit code 1. Files the walkthroughs write go to a temporary folder, and
// the commands of one README run in order (a later one reads what an earlier one wrote).
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = (kind: string, doc: unknown): string[] => {
  const v = ajv.getSchema(kind) ?? (ajv.addSchema(JSON.parse(readFileSync(`docs/schema/${kind}.schema.json`, 'utf8')), kind), ajv.getSchema(kind)!);
  return v(doc) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
};

const PREFIX = /^\s*(?:\$ )?(?:tessera|node bin\/tessera\.js|npx tsx compiler\/driver\/main\.ts) /;

/** The commands of one README, continuation lines joined, with the comment after `#` kept apart. */
function readmeCommands(file: string): { line: string; comment: string }[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: { line: string; comment: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!PREFIX.test(lines[i]!)) continue;
    let text = lines[i]!.replace(PREFIX, '');
    while (text.trimEnd().endsWith('\\') && i + 1 < lines.length) text = text.trimEnd().slice(0, -1) + ' ' + lines[++i]!.trim();
    text = text.replace(/\s\(.*$/, ''); // a parenthetical aside, e.g. "(--json for the same as JSON)"
    const hash = text.indexOf(' #');
    out.push({ line: (hash >= 0 ? text.slice(0, hash) : text).trim(), comment: hash >= 0 ? text.slice(hash) : '' });
  }
  return out;
}

/** Words of a command line: double-quoted words kept whole; `> FILE` dropped (stdout is captured). */
function words(line: string): string[] {
  const ws = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
  const gt = ws.indexOf('>');
  return gt >= 0 ? ws.slice(0, gt) : ws;
}

/** The flags whose value is a file the command writes, and the flags whose value is a file it reads. */
const WRITES = new Set(['-o', '--output', '--outdir', '--db', '--report', '--csv', '--parquet', '--emit', '--trace']);

/** Outputs and the files earlier commands wrote go to `tmp`; files of the repository stay as they are. */
function relocate(ws: string[], tmp: string): string[] {
  return ws.map((w, i) => {
    if (i > 0 && WRITES.has(ws[i - 1]!)) return join(tmp, w.replace(/\//g, '_'));
    if (w.startsWith('-') || existsSync(w)) return w;
    if (/\.(ein|json|arch|duckdb|csv)$/.test(w)) return join(tmp, w.replace(/\//g, '_'));
    return w;
  });
}

/** The schema a successful command's --json follows. */
function kindOf(ws: string[]): string {
  const [cmd, sub] = ws;
  const has = (f: string) => ws.includes(f);
  switch (cmd) {
    case 'run':
      return has('--target') ? 'result' : 'interpreter';
    case 'check':
      return ws.some((w) => w.endsWith('.arch')) ? 'target' : 'cascade';
    case 'print':
      return 'cascade';
    case 'scalesim':
      return 'result';
    case 'schedule':
      return has('--simulate') ? 'result' : 'schedule';
    case 'repro':
      return `repro-${sub}`;
    case 'sweep':
      return ['export', 'pareto', 'merge', 'slurm'].includes(sub!) ? `sweep-${sub}` : 'sweep-run';
    case 'targets':
      return ws.length > 1 && !ws[1]!.startsWith('-') ? 'target' : 'targets';
    case 'validate':
      return sub === 'gpu' ? 'validation' : 'wgsl';
    case 'calibrate':
      return 'calibration';
    default:
      return cmd!;
  }
}

const readmes = readdirSync('examples')
  .map((d) => join('examples', d, 'README.md'))
  .filter((f) => existsSync(f))
  .sort();

describe("every example's commands under --json", () => {
  for (const readme of readmes) {
    const cmds = readmeCommands(readme).filter((c) => !/[$*]/.test(c.line)); // shell variables and globs are the reader's
    if (!cmds.length) continue;
    it(`${readme}: ${cmds.length} commands`, async () => {
      const tmp = mkdtempSync(join(tmpdir(), 'tessera-example-json-'));
      for (const c of cmds) {
        const ws = relocate(words(c.line), tmp);
        const args = ws.includes('--json') ? ws : [...ws, '--json'];
        const r = await runCli(args);
        const what = `${readme}: tessera ${args.join(' ')}\n${r.err.slice(0, 400)}`;
        const doc = JSON.parse(r.out) as unknown;
        if (/exit (code )?1/.test(c.comment)) expect(r.code, what).toBe(1);
        expect([0, 1], what).toContain(r.code);
        expect(validate(r.code === 0 ? kindOf(ws) : 'diagnostics', doc), what).toEqual([]);
      }
    }, 300_000);
  }
});
