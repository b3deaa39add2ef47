// print ∘ parse round-trips: random valid cascades print to text that parses back to an equal IR,
// and printing is a fixed point. The example files parse cleanly and round-trip too.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cascadesEqual, finalize, printCascade, renderDiagnostics, type Cascade } from '../../compiler/ir';
import { parseCascade } from '../../compiler/lang';
import { genCascadeSource } from './gen-cascade';

const ROOT = join(import.meta.dirname, '../..');
export const EXAMPLES = ['examples/attention/attention-1pass.ein', 'examples/attention/attention-2pass.ein', 'examples/attention/attention-3pass.ein', 'examples/gemm/gemm.ein'];

function reparse(c: Cascade): { text: string; back: Cascade } {
  const text = printCascade(c);
  const { cascade, diagnostics } = parseCascade(text, 'printed.ein');
  if (!cascade) throw new Error(`printed text does not parse:\n${text}\n${renderDiagnostics(diagnostics, text)}`);
  return { text, back: cascade };
}

describe('print/parse round trip', () => {
  it('random valid cascades print and parse back to an equal IR; printing is a fixed point', () => {
    fc.assert(
      fc.property(fc.gen(), (g) => {
        const src = genCascadeSource(g);
        const { cascade, diagnostics } = finalize(src);
        if (!cascade) throw new Error(`generator made an invalid cascade: ${diagnostics.map((d) => `${d.code}: ${d.message}`).join('; ')}`);
        const { text, back } = reparse(cascade);
        expect(cascadesEqual(cascade, back), text).toBe(true);
        expect(printCascade(back)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  for (const file of EXAMPLES) {
    it(`${file} parses with no diagnostics and round-trips`, () => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const { cascade, diagnostics } = parseCascade(text, file);
      expect(diagnostics).toEqual([]);
      const { text: printed, back } = reparse(cascade!);
      expect(cascadesEqual(cascade!, back)).toBe(true);
      expect(printCascade(back)).toBe(printed);
    });
  }

  it('cascadesEqual notices a changed number, index, reduce operator, dtype or output', () => {
    const text = 'rank M = 4, K = 3\ninput A[M, K]: bf16\nY[m]: fp32 = max(k) A[m, k] * 2\nZ[m] = Y[m]\noutput Z\n';
    const base = parseCascade(text).cascade!;
    const variants = [
      text.replace('* 2', '* 3'),
      text.replace('A[m, k] *', 'A[m, 0] + k *'),
      text.replace('max(k)', 'min(k)'),
      text.replace(': fp32', ': fp16'),
      text.replace('output Z', 'output Y, Z'),
      text.replace('M = 4', 'M = 5'),
      text.replace('bf16', 'fp16'),
    ];
    for (const v of variants) {
      const other = parseCascade(v).cascade;
      expect(other, v).not.toBeNull();
      expect(cascadesEqual(base, other!), v).toBe(false);
    }
    expect(cascadesEqual(base, parseCascade(text.replace('Y[m]: fp32 =', 'Y[m]:fp32=  ')).cascade!)).toBe(true);
  });
});

describe('docs/LANGUAGE.md', () => {
  it('its opening example is a valid cascade', () => {
    const doc = readFileSync(join(ROOT, 'docs/LANGUAGE.md'), 'utf8');
    const block = doc.split('```')[1]!.replace(/^\n/, '');
    const { cascade, diagnostics } = parseCascade(block, 'LANGUAGE.md');
    expect(diagnostics).toEqual([]);
    expect(cascade!.einsums.map((e) => e.output.tensor)).toEqual(['QK', 'GM', 'SN', 'SD', 'A', 'AV']);
  });
});
