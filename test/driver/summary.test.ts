// The one-screen summary of a whole-model run: layer kinds from the lowering's names, sums per kind,
// tokens per second from the batch and the step time, warnings grouped and counted. Oracles are hand-made
// Results with hand-summed figures, and one real lowered model's einsums read from its .ein file.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvField } from '../../compiler/driver/csv';
import { describe, expect, it } from 'vitest';
import { formatModelSummary, groupWarnings, isLoweredModel, layerKind, perKind } from '../../compiler/driver/summary';
import type { EinsumResult, Result } from '../../sim/core/result';
import { runCli } from '../helpers/cli';

const e = (name: string, latencyCycles: number, energyPj: number | null): EinsumResult => ({ name, unit: 'pe', latencyCycles, energyPj, traffic: {} });
const result = (einsums: EinsumResult[], warnings: string[] = []): Result => ({
  target: 't', workload: 'w', fidelity: 'analytic', latencyCycles: 1000, latencySeconds: 0.002, energyPj: 60,
  utilization: { pe: 0.5 }, traffic: {}, einsums, warnings,
});

describe('layer kinds', () => {
  it('names each einsum a lowered block writes by its kind', () => {
    const kinds = Object.fromEntries(['XT', 'L0_AN_SS', 'L0_AN', 'L0_Q', 'L0_BQK', 'L0_H', 'L0_MN', 'L0_GATE', 'L0_ACT', 'L0_DOWN', 'L0_OUT', 'FN_RS', 'FN', 'LOGITS', 'Y'].map((n) => [n, layerKind(n)]));
    expect(kinds).toEqual({ XT: 'embedding', L0_AN_SS: 'norms', L0_AN: 'norms', L0_Q: 'attention', L0_BQK: 'attention', L0_H: 'attention', L0_MN: 'norms', L0_GATE: 'mlp', L0_ACT: 'mlp', L0_DOWN: 'mlp', L0_OUT: 'mlp', FN_RS: 'norms', FN: 'norms', LOGITS: 'head', Y: 'other' });
  });

  it('every einsum of the lowered tiny LLaMA falls in one of the five kinds, none in other', () => {
    const names = [...readFileSync('examples/models/tiny-llama-decode-1pass.ein', 'utf8').matchAll(/^([A-Z][A-Z0-9_]*)\[/gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(50);
    expect(names.filter((n) => layerKind(n) === 'other')).toEqual([]);
    expect(new Set(names.map(layerKind))).toEqual(new Set(['embedding', 'attention', 'mlp', 'norms', 'head']));
  });
});

describe('summary figures', () => {
  it('sums latency and energy per kind; energy unknown when one einsum has none', () => {
    const t = perKind([e('XT', 10, 1), e('L0_Q', 100, 5), e('L0_BQK', 50, null), e('L0_UP', 200, 20), e('L0_DOWN', 300, 30), e('LOGITS', 40, 4)]);
    expect(t).toEqual([
      { kind: 'embedding', einsums: 1, latencyCycles: 10, energyPj: 1 },
      { kind: 'attention', einsums: 2, latencyCycles: 150, energyPj: null },
      { kind: 'mlp', einsums: 2, latencyCycles: 500, energyPj: 50 },
      { kind: 'head', einsums: 1, latencyCycles: 40, energyPj: 4 },
    ]);
  });

  it('groups identical warnings, most frequent first, naming the einsums', () => {
    const w = groupWarnings(['A: x is small', 'B: x is small', 'C: x is small', 'D: y', 'global note', 'global note']);
    expect(w).toEqual(['3 × x is small (A, B, C)', '2 × global note', 'y (D)']);
    expect(groupWarnings(['A: z', 'B: z', 'C: z', 'D: z'])[0]).toBe('4 × z (A, B, C, ...)');
  });

  it('prints tokens per second for a decode step and the time to first token for a prefill', () => {
    const r = result([e('XT', 10, 1), e('L0_Q', 100, 5), e('LOGITS', 40, 4)], ['L0_Q: x', 'XT: x']);
    expect(isLoweredModel(r)).toBe(true);
    // 4 sequences, one token each, in 2 ms: 2000 tokens/s
    expect(formatModelSummary(r, { ranks: { B: 4, S: 1 } })).toContain('decode: 2000 tokens/s (batch 4');
    expect(formatModelSummary(r, { ranks: { B: 1, S: 128 } })).toContain('prefill: time to first token 2 ms (batch 1, 128 tokens each)');
    expect(formatModelSummary(r)).toContain('2 × x (L0_Q, XT)');
  });
});

describe('tessera run of a lowered model', () => {
  it('prints one screen, and --verbose every einsum', async () => {
    const args = ['run', 'examples/models/tiny-llama-decode-1pass.ein', '--target', 'h100'];
    const short = await runCli(args);
    const long = await runCli([...args, '--verbose']);
    expect(short.code).toBe(0);
    expect(short.out).toMatch(/decode: [\d.]+ tokens\/s \(batch 1/);
    expect(short.out.split('\n').length).toBeLessThan(long.out.split('\n').length);
    expect(short.out).toContain('top 10 of 73 einsums');
    expect(long.out).toMatch(/^ {2}L1_RNV /m);
  });
});

describe('run --csv', () => {
  it('quotes what RFC 4180 needs quoted', () => {
    expect([csvField('a,b'), csvField('say "hi"'), csvField('x\ny'), csvField(null), csvField(3.5)]).toEqual(['"a,b"', '"say ""hi"""', '"x\ny"', '', '3.5']);
  });

  it('writes one row per einsum whose figures equal the --json Result', async () => {
    const csv = join(mkdtempSync(join(tmpdir(), 'tessera-csv-')), 'e.csv');
    const args = ['run', 'examples/models/tiny-llama-decode-1pass.ein', '--target', 'h100'];
    expect((await runCli([...args, '--csv', csv])).code).toBe(0);
    const r = JSON.parse((await runCli([...args, '--json'])).out) as Result;
    const [header, ...rows] = readFileSync(csv, 'utf8').trimEnd().split('\n').map((l) => l.split(','));
    expect(header!.slice(0, 5)).toEqual(['einsum', 'kind', 'unit', 'latencyCycles', 'energyPj']);
    expect(rows.map((x) => x[0])).toEqual(r.einsums.map((x) => x.name));
    for (const [i, x] of rows.entries()) {
      expect(Number(x[3])).toBe(r.einsums[i]!.latencyCycles);
      expect(Number(x[4])).toBe(r.einsums[i]!.energyPj);
      for (const [t, b] of Object.entries(r.einsums[i]!.traffic)) expect(Number(x[header!.indexOf(`${t}.readBytes`)])).toBe(b.readBytes);
    }
  });

  it('without --target is refused, exit 1', async () => {
    const r = await runCli(['run', 'examples/gemm/gemm.ein', '--csv', '/tmp/never.csv']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('--csv needs --target');
  });
});
