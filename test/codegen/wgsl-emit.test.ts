// The WGSL emitter's structure, checked without a GPU.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileCascadeToWgsl, executionSteps, printWgslProgram } from '../../compiler/codegen/wgsl';
import { parseCascade } from '../../compiler/lang';

const load = (text: string) => {
  const r = parseCascade(text);
  if (!r.cascade) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.cascade;
};
const onePass = load(readFileSync('examples/attention/attention-1pass.ein', 'utf8'));

describe('WGSL host schedule', () => {
  it('runs the recurrence over m1 as one loop at the position of its last member', () => {
    const steps = executionSteps(onePass);
    const names = (i: number) => onePass.einsums[i]!.output.tensor + (onePass.einsums[i]!.init ? '.init' : '');
    // init einsums run in program order before the loop; AV (reads RNV[f, M1, p]) after it
    expect(steps.map((s) => (s.kind === 'einsum' ? names(s.einsum) : `loop ${s.variable}x${s.steps}`))).toEqual(['RM.init', 'RD.init', 'RNV.init', 'loop m1x4', 'AV']);
    const loop = steps.find((s) => s.kind === 'loop')!;
    expect(loop.kind === 'loop' && loop.members.map(names)).toEqual(['BK', 'BV', 'BQK', 'LM', 'RM', 'SLN', 'SLD', 'SLNV', 'PRM', 'SPD', 'RD', 'SPNV', 'RNV']);
  });
});

describe('WGSL kernels', () => {
  it('guards the ragged tile (M = 200 in tiles of 64) and reads the step from the uniform', () => {
    const p = compileCascadeToWgsl(onePass);
    const bqk = p.kernels.find((k) => k.name === 'BQK')!;
    expect(bqk.stepVar).toBe('m1');
    expect(bqk.code).toContain('let v_m1 = i32(U.step);');
    expect(bqk.code).toContain('if (!(v_m1 * 64 + v_m0 < 200)) { return; }');
    expect(bqk.invocations).toBe(64 * 64); // m0 x p; m1 is the host loop
    const lm = p.kernels.find((k) => k.name === 'LM')!;
    expect(lm.code).toMatch(/if \(\(v_m1 \* 64 \+ v_m0 < 200\)\) \{ acc = max\(acc, /);
    expect(printWgslProgram(p).split('\n')[0]).toBe('// host schedule: RM.init; RD.init; RNV.init; loop m1 in 0..3 { BK, BV, BQK, LM, RM, SLN, SLD, SLNV, PRM, SPD, RD, SPNV, RNV }; AV');
  });
  it('omits the guard when the tile divides the rank, and never writes a non-finite constant', () => {
    const even = load(readFileSync('examples/attention/attention-1pass.ein', 'utf8').replace('M = 200', 'M = 256'));
    const p = compileCascadeToWgsl(even);
    expect(p.kernels.some((k) => k.code.includes('< 256'))).toBe(false);
    const init = p.kernels.find((k) => k.name === 'RM.init')!;
    expect(init.code).toContain('T_RM[0 * 64 + v_p] = (-inf_f());');
    expect(init.code.slice(init.code.indexOf('fn main'))).not.toMatch(/\binf\b|Infinity/);
  });
  it('rounds stores to the output dtype', () => {
    const c = load('rank M = 3, K = 5\ninput A[M, K]: bf16\nS[m]: bf16 = A[m, k]\nH[m]: fp16 = S[m]\nI[m]: int8 = S[m]\noutput S, H, I\n');
    const [s, h, i] = compileCascadeToWgsl(c).kernels;
    expect(s!.code).toContain('= round_bf16(acc);');
    expect(h!.code).toContain('round_fmt(T_S[v_m], 10, -14, 65504.0, true)');
    expect(i!.code).toContain('round_int(T_S[v_m], -128.0, 127.0)');
  });
});
