// Robustness: 10,000 random mutations of the example files (characters deleted, inserted, replaced;
// lines swapped, duplicated, deleted; tokens spliced in from elsewhere) produce diagnostics only:
// no exception, no hang, and every diagnostic is well-formed. Plus hostile inputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderDiagnostics } from '../../compiler/ir';
import { parseCascade, type ParseResult } from '../../compiler/lang';
import { uniformRng } from '../../compiler/ir/prng';

const ROOT = join(import.meta.dirname, '../..');
const EXAMPLES = ['examples/attention/attention-1pass.ein', 'examples/attention/attention-2pass.ein', 'examples/attention/attention-3pass.ein', 'examples/gemm/gemm.ein'].map((f) => readFileSync(join(ROOT, f), 'utf8'));


const JUNK = ['(', ')', '[', ']', ',', ':', '=', '-', '+', '*', '/', '<', '>', '!', '#', '\n', ' ', '0', '9', '.', 'e', 'm', 'M', '_', '$', '\u0000', '\t', '\u00e9', '->', '1e999', 'inf', 'max(', 'init ', 'rank ', 'output '];

function mutate(text: string, rnd: () => number): string {
  const int = (n: number) => Math.floor(rnd() * n);
  let s = text;
  for (let k = 1 + int(3); k > 0; k--) {
    const at = int(s.length + 1);
    const lines = s.split('\n');
    const li = int(lines.length);
    switch (int(9)) {
      case 0:
        s = s.slice(0, at) + s.slice(at + 1 + int(4));
        break;
      case 1:
        s = s.slice(0, at) + JUNK[int(JUNK.length)] + s.slice(at);
        break;
      case 2:
        s = s.slice(0, at) + JUNK[int(JUNK.length)] + s.slice(at + 1);
        break;
      case 3: {
        const lj = int(lines.length);
        [lines[li], lines[lj]] = [lines[lj]!, lines[li]!];
        s = lines.join('\n');
        break;
      }
      case 4:
        lines.splice(li, 0, lines[li]!);
        s = lines.join('\n');
        break;
      case 5:
        lines.splice(li, 1);
        s = lines.join('\n');
        break;
      case 6: {
        // splice a token-sized piece of the file somewhere else
        const from = int(s.length);
        s = s.slice(0, at) + s.slice(from, from + 1 + int(6)) + s.slice(at);
        break;
      }
      case 7:
        s = s.slice(0, at);
        break;
      default: {
        const from = int(s.length);
        s = s.slice(0, at) + String.fromCharCode(int(0x3000)) + s.slice(from, from + int(3)) + s.slice(at);
      }
    }
  }
  return s;
}

function checkWellFormed(text: string, r: ParseResult): void {
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if ((r.cascade === null) !== errors.length > 0) throw new Error(`cascade and errors disagree for:\n${text}`);
  const nLines = text.split(/\r\n|\r|\n/).length;
  for (const d of r.diagnostics) {
    if (!d.message || !d.code || d.file !== 'm.ein' || !d.loc) throw new Error(`malformed diagnostic ${JSON.stringify(d)} for:\n${text}`);
    if (!(d.loc.line >= 1 && d.loc.line <= nLines && d.loc.col >= 1 && (d.loc.length ?? 1) >= 1)) throw new Error(`bad location ${JSON.stringify(d.loc)} for:\n${text}`);
  }
  renderDiagnostics(r.diagnostics, text);
}

describe('fuzzing the parser', () => {
  it('10,000 mutations of the examples give diagnostics only, quickly', () => {
    const rnd = uniformRng(20261122);
    let withErrors = 0;
    let slowestMs = 0;
    const t0 = performance.now();
    for (let i = 0; i < 10_000; i++) {
      const text = mutate(EXAMPLES[i % EXAMPLES.length]!, rnd);
      const t = performance.now();
      let r: ParseResult;
      try {
        r = parseCascade(text, 'm.ein');
      } catch (e) {
        throw new Error(`parseCascade threw ${(e as Error).stack}\nfor:\n${JSON.stringify(text)}`);
      }
      slowestMs = Math.max(slowestMs, performance.now() - t);
      checkWellFormed(text, r);
      if (r.cascade === null) withErrors++;
    }
    const totalMs = performance.now() - t0;
    // Most mutations break something; some (a duplicated comment, a swapped declaration) are harmless.
    expect(withErrors).toBeGreaterThan(5_000);
    expect(slowestMs).toBeLessThan(2_000);
    expect(totalMs).toBeLessThan(60_000);
  });

  it('hostile inputs: empty, blank, binary junk, huge numbers, deep nesting, long lines', () => {
    const bigRank = 'rank M = 8\ninput A[M]: fp32\n';
    const inputs = [
      '',
      '\n\n\n',
      '# only a comment',
      '\u0000\u0001\u0002\uffff\ud800',
      Array.from({ length: 2000 }, (_, i) => String.fromCharCode((i * 7919) % 65536)).join(''),
      'rank M = 1e999',
      'rank M = 123456789012345678901234567890',
      bigRank + 'Y[m] = A[m] * 1e999999\noutput Y',
      bigRank + 'Y[m] = A[m * 9007199254740993]\noutput Y',
      bigRank + 'Y[m * 4000000000000 * 4000000000000] = A[m]\noutput Y',
      bigRank + 'Y[m] = A[' + '('.repeat(100000) + 'm' + ')'.repeat(100000) + ']\noutput Y',
      bigRank + 'Y[m] = ' + '-'.repeat(100000) + 'A[m]\noutput Y',
      bigRank + 'Y[m] = ' + Array.from({ length: 30000 }, () => 'A[m]').join(' + ') + '\noutput Y',
      bigRank + 'Y[m] = ' + 'exp('.repeat(150) + 'A[m]' + ')'.repeat(150) + '\noutput Y',
      bigRank + 'Y[m] = A[m]\r\noutput Y\r\n',
      'output',
      'rank',
      'init',
      'rank M -> ',
      'rank M = 4\nrank M -> M1, M0 = 0',
      'rank M = 4\nrank M -> M1, M0 = 8, M00 = 2',
    ];
    for (const text of inputs) {
      const r = parseCascade(text, 'm.ein');
      checkWellFormed(text, r);
    }
    // a long but valid sum still parses
    const long = parseCascade(bigRank + 'Y[m] = ' + Array.from({ length: 1000 }, () => 'A[m]').join(' + ') + '\noutput Y\n');
    expect(long.diagnostics).toEqual([]);
  });
});
