// Every registered target loads its .arch file, maps and simulates the example cascades analytically,
// and produces a Result that validates against the schema; same seed, byte-identical JSON.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiagnosticError, walkExpr } from '../../compiler/ir';
import { parseCascade } from '../../compiler/lang';
import { ResultSchema } from '../../sim/core/result';
import type { TargetSpec } from '../../targets/spec';
import { getTarget, listTargets, loadTarget } from '../../targets/registry';

const load = (f: string) => parseCascade(readFileSync(f, 'utf8'), f).cascade!;
const gemm = load('examples/gemm/gemm.ein');
const attn1 = load('examples/attention/attention-1pass.ein');
const attn3 = load('examples/attention/attention-3pass.ein');

/** Ops the cascade applies that no unit lists (nor emulates with a MAC through exp_macs/div_macs). */
function missingOps(c: ReturnType<typeof load>, spec: TargetSpec): string[] {
  const needs = new Set<string>();
  for (const e of c.einsums) {
    if (e.reduce === 'max' || e.reduce === 'min') needs.add('max');
    walkExpr(e.expr, (x) => {
      if (x.kind === 'unary' && x.op === 'exp') needs.add('exp');
      if (x.kind === 'binary' && x.op === '/') needs.add('div');
      if (x.kind === 'binary' && (x.op === 'max' || x.op === 'min')) needs.add('max');
    });
  }
  const has = (op: string) => spec.computes.some((u) => u.ops.includes(op) || (op !== 'max' && (u.attrs[`${op}_macs`] !== undefined || spec.attrs[`${op}_macs`] !== undefined)));
  return [...needs].filter((op) => !has(op));
}

describe('target registry', () => {
  it('lists a target per folder targets/NAME/NAME.arch', () => {
    const dir = join(import.meta.dirname, '../../targets');
    expect(listTargets().sort()).toEqual(readdirSync(dir).filter((n) => existsSync(join(dir, n, `${n}.arch`))).sort());
  });

  for (const name of listTargets())
    it(`${name}: analytic Results validate and are deterministic`, () => {
      const t = getTarget(name);
      expect(t.spec.name).toBe(name);
      for (const c of [gemm, attn1, attn3]) {
        // no einsum is dropped: a target none of whose units executes an op the cascade needs refuses it,
        // naming an op that really is missing from every unit
        const missing = missingOps(c, t.spec);
        if (missing.length) {
          expect(() => t.map(c, undefined, { objective: 'latency', seed: 5 })).toThrow(/no compute unit of .* executes all of it/);
          continue;
        }
        const r = t.simulate(t.map(c, undefined, { objective: 'latency', seed: 5 }), { fidelity: 'analytic' });
        const parsed = ResultSchema.safeParse(r);
        expect(parsed.success, parsed.success ? '' : parsed.error.message).toBe(true);
        expect(r.target).toBe(name);
        expect(r.latencyCycles).toBeGreaterThan(0);
        for (const u of Object.values(r.utilization)) expect(u).toBeLessThanOrEqual(1);
        const again = t.simulate(t.map(c, undefined, { objective: 'latency', seed: 5 }), { fidelity: 'analytic' });
        expect(JSON.stringify(again)).toBe(JSON.stringify(r));
      }
    });

  it('the objective changes what the mapper minimises', () => {
    const t = getTarget('eyeriss-like');
    const lat = t.simulate(t.map(gemm, undefined, { objective: 'latency' }), { fidelity: 'analytic' });
    const en = t.simulate(t.map(gemm, undefined, { objective: 'energy' }), { fidelity: 'analytic' });
    expect(en.energyPj!).toBeLessThanOrEqual(lat.energyPj!);
    expect(lat.latencyCycles).toBeLessThanOrEqual(en.latencyCycles);
  });

  it('an unknown target is a user error naming the targets', () => {
    expect(() => getTarget('tpu-v9')).toThrow(DiagnosticError);
    try {
      getTarget('tpu-v9');
    } catch (e) {
      expect((e as DiagnosticError).diagnostics[0]!.hint).toMatch(/tpu-v1/);
    }
  });

  it('fidelity cycle on a target without a cycle engine is a clear user error', () => {
    const t = loadTarget(join(import.meta.dirname, '../fixtures/arch/no-cycle-engine.arch'));
    const m = t.map(gemm, undefined, {});
    expect(() => t.simulate(m, { fidelity: 'cycle' })).toThrow(/fidelity cycle is not available for target no-cycle-engine/);
  });
});
