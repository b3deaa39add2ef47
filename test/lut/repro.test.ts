// `tessera repro lut-tc`: every figure sits beside the paper's figure from compiler/driver/commands/repro-lut.json (read here on its
// own), its relative error is (ours - paper) / paper, the figures the model reproduces are within 15%,
// and the ones it does not carry the stated reason. Text and JSON say the same.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Figure, LutRepro } from '../../compiler/driver/commands/repro-lut';
import { runCli } from '../helpers/cli';

const root = join(import.meta.dirname, '../..');
const paper = JSON.parse(readFileSync(join(root, 'compiler/driver/commands/repro-lut.json'), 'utf8'));

describe('repro lut-tc', async () => {
  const j = await runCli(['repro', 'lut-tc', '--json']);
  const r = JSON.parse(j.out) as LutRepro;
  const all: Figure[] = [...r.unit, ...r.table1.flatMap((t) => [t.peakT, t.areaPerSmMm2, t.densityPerMm2]), ...r.headline, ...r.precompute, ...r.endToEnd];

  it('exits 0 and lists the paper figures from repro-lut.json', () => {
    expect(j.code).toBe(0);
    expect(r.unit.map((f) => f.paper)).toEqual([61.55, 3.39, 63.78]);
    expect(r.table1.map((t) => t.densityPerMm2.paper)).toEqual(paper.table1.lut.map((x: { densityPerMm2: number }) => x.densityPerMm2));
    expect(r.headline.map((f) => f.paper)).toEqual([20.9, 11.2]);
    expect(r.endToEnd.find((f) => f.figure === 'end-to-end speedup')!.paper).toBe(5.51);
  });

  it('every relative error is (ours - paper) / paper', () => {
    for (const f of all) expect(f.relErr).toBeCloseTo((f.ours - f.paper) / f.paper, 2);
  });

  it('Table 1 A100-LUT rows and the headline ratios are within 15%; the rest over 15% say why', () => {
    for (const t of r.table1.filter((x) => x.name.startsWith('A100')))
      for (const f of [t.peakT, t.areaPerSmMm2, t.densityPerMm2]) expect(Math.abs(f.relErr), f.figure).toBeLessThan(0.15);
    for (const f of r.headline) expect(Math.abs(f.relErr), f.figure).toBeLessThan(0.15);
    for (const f of all) if (Math.abs(f.relErr) > 0.15) expect(f.note, f.figure).toBeTruthy();
  });

  it('LLaMA-2-7B decode: W1 faster than W2 faster than W4, all faster than the a100 in FP16, the weight GEMMs on the LUT units', () => {
    const [w1, w2, w4] = r.llamaDecode.rows;
    expect(w1!.speedup).toBeGreaterThan(w2!.speedup);
    expect(w2!.speedup).toBeGreaterThan(w4!.speedup);
    expect(w4!.speedup).toBeGreaterThan(1);
    // 32 layers x 7 projections and the LM head (the embedding is a gather of rows, not an mpGEMM)
    expect(w2!.einsumsOnLut).toBe(32 * 7 + 1);
    expect(Object.values(w2!.split).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
  });

  it('the text form prints the same figures', async () => {
    const t = await runCli(['repro', 'lut-tc']);
    expect(t.code).toBe(0);
    for (const f of r.headline) expect(t.out).toContain(String(f.ours));
  });

  it('an unknown option is refused with exit code 1', async () => {
    expect((await runCli(['repro', 'lut-tc', '--bogus'])).code).toBe(1);
  });
});
