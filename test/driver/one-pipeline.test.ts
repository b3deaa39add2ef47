// One pipeline: any target by name or by .arch file (with --param and extends), every command through the
// same loader and stages, and the tier schedule driving the Result. Oracles: the closed form of an
// output-stationary array (docs/SIMULATOR.md), the built-in target the extension starts from, and the
// schedule's own checker-counted traffic.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const fx = (f: string) => join(import.meta.dirname, '../fixtures', f);
const OS = fx('arch/os48x40.arch');
const GEMM = fx('arch/gemm96.ein');

/** Σ over folds of T + r + c − 2 + R (os, unlimited bandwidth): M×N outputs on an R×C array, T = K. */
function osClosedForm(M: number, N: number, K: number, R: number, C: number): number {
  let total = 0;
  for (let m = 0; m < M; m += R) for (let n = 0; n < N; n += C) total += K + Math.min(R, M - m) + Math.min(C, N - n) - 2 + R;
  return total;
}

async function runJson(args: string[]): Promise<Record<string, any>> {
  const r = await runCli([...args, '--json']);
  expect(r.err).not.toMatch(/internal error/);
  expect(r.code).toBe(0);
  return JSON.parse(r.out);
}

describe("a user's .arch that no one shipped", () => {
  it('runs at both fidelities, and --param rows changes the compute cycles as the closed form says', async () => {
    for (const rows of [48, 96]) {
      const expected = osClosedForm(96, 80, 64, rows, 40);
      const cycle = await runJson(['run', GEMM, '--target', OS, '--fidelity', 'cycle', '--param', `rows=${rows}`]);
      expect(cycle.target).toBe('os48x40');
      expect(cycle.latencyCycles - cycle.stallCycles).toBe(expected);
      const analytic = await runJson(['run', GEMM, '--target', OS, '--param', `rows=${rows}`]);
      expect(Math.abs(analytic.latencyCycles - cycle.latencyCycles)).toBeLessThanOrEqual(0.01 * cycle.latencyCycles);
    }
    expect(osClosedForm(96, 80, 64, 48, 40)).toBe(792);
  });

  it('schedules, and runs with the schedule, through the same loader', async () => {
    const s = await runJson(['schedule', GEMM, '--target', OS, '--param', 'rows=96']);
    expect(s.check.ok).toBe(true);
    const r = await runJson(['run', GEMM, '--target', OS, '--schedule', 'ilp']);
    expect(r.schedule).toBeDefined();
    expect(r.traffic.DRAM).toEqual(r.schedule.traffic.byLevel.DRAM);
  });

  it('an extension of tpu-v1 changes only what it writes', async () => {
    const mine = await runJson(['targets', fx('arch/tpu-big-ub.arch')]);
    const base = await runJson(['targets', 'tpu-v1']);
    const ub = (t: any) => t.memories.find((m: any) => m.name === 'UB');
    expect(ub(mine).capacityBytes).toBe(48 * 2 ** 20);
    expect(ub(base).capacityBytes).toBe(24 * 2 ** 20);
    expect({ ...ub(mine), capacityBytes: 0, loc: 0 }).toEqual({ ...ub(base), capacityBytes: 0, loc: 0 });
    expect(mine.computes.map((c: any) => c.name)).toEqual(base.computes.map((c: any) => c.name));
    expect(mine.clockHz).toBe(base.clockHz);
    for (const fidelity of ['analytic', 'cycle']) {
      const r = await runJson(['run', GEMM, '--target', fx('arch/tpu-big-ub.arch'), '--fidelity', fidelity]);
      expect(r.target).toBe('tpu-big-ub');
      expect(r.latencyCycles).toBeGreaterThan(0);
    }
  });
});

describe('a target folder on TESSERA_TARGET_PATH', () => {
  afterEach(() => {
    delete process.env.TESSERA_TARGET_PATH;
  });

  it('appears in targets, run (both fidelities) and schedule with no other file touched', async () => {
    const before = await runCli(['run', GEMM, '--target', 'mynpu']);
    expect(before.code).toBe(1);
    expect(before.err).toMatch(/no built-in target 'mynpu'/);
    process.env.TESSERA_TARGET_PATH = fx('target-path');
    const list = await runCli(['targets']);
    expect(list.out).toMatch(/^mynpu\b/m);
    for (const fidelity of ['analytic', 'cycle']) expect((await runJson(['run', GEMM, '--target', 'mynpu', '--fidelity', fidelity])).target).toBe('mynpu');
    expect((await runJson(['schedule', GEMM, '--target', 'mynpu'])).check.ok).toBe(true);
    const topo = join(import.meta.dirname, '../../data/scalesim/test_mnk_input.csv');
    const out = mkdtempSync(join(tmpdir(), 'tessera-mynpu-'));
    try {
      const ss = await runCli(['scalesim', '--target', 'mynpu', '--topology', topo, '--outdir', out, '--json']);
      expect(ss.code).toBe(0);
      expect(JSON.parse(ss.out).target).toBe('mynpu');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('bad targets are plain errors with exit code 1', () => {
  it('a path that does not exist', async () => {
    const r = await runCli(['run', GEMM, '--target', 'nowhere/x.arch']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/target file nowhere\/x\.arch: no such file/);
  });

  it('an unknown parameter lists the valid ones', async () => {
    const r = await runCli(['run', GEMM, '--target', OS, '--param', 'rowz=4']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no parameter 'rowz'/);
    expect(r.err).toMatch(/rows/);
  });

  it('an extends cycle points into the file', async () => {
    const r = await runCli(['check', fx('arch/cycle-a.arch')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cycle-b\.arch:1:\d+: error: extends cycle: cycle-a\.arch extends cycle-b\.arch extends cycle-a\.arch/);
    expect(r.err).not.toMatch(/internal error/);
  });

  it('extends of a missing file or an unknown built-in', async () => {
    const r = await runCli(['check', fx('arch/extends-missing.arch')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/extends-missing\.arch:2:\d+: error: cannot extend "no-such\.arch": no such file/);
    const u = await runCli(['check', fx('arch/extends-unknown.arch')]);
    expect(u.code).toBe(1);
    expect(u.err).toMatch(/no built-in target 'tpu-v9' to extend/);
  });

  it('a cycle run on a target without a cycle engine is refused before mapping', async () => {
    // a target whose .arch says `attr engine = none` (every built-in target has a cycle engine since issue 18)
    const r = await runCli(['run', GEMM, '--target', fx('arch/no-cycle-engine.arch'), '--fidelity', 'cycle']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/fidelity cycle is not available for target no-cycle-engine/);
  });
});

describe('--batch holds at every fidelity', () => {
  const EX = join(import.meta.dirname, '../../examples/gemm/gemm.ein');
  it('instances run back to back on the systolic targets: batch 8 is 8 times batch 1, analytic and cycle', async () => {
    for (const target of ['systolic', 'tpu-v1'])
      for (const fidelity of ['analytic', 'cycle']) {
        const one = await runJson(['run', EX, '--target', target, '--fidelity', fidelity]);
        const eight = await runJson(['run', EX, '--target', target, '--fidelity', fidelity, '--batch', '8']);
        expect(eight.latencyCycles).toBe(8 * one.latencyCycles);
      }
  });

  it('a GPU runs the batch as one larger kernel: no fewer cycles than one instance, fewer than eight', async () => {
    const one = await runJson(['run', EX, '--target', 'a100', '--fidelity', 'cycle']);
    const eight = await runJson(['run', EX, '--target', 'a100', '--fidelity', 'cycle', '--batch', '8']);
    // this GEMM's 8 copies fit in one wave of CTAs on 108 SMs: the batched kernel takes as long as one
    expect(eight.latencyCycles).toBeGreaterThanOrEqual(one.latencyCycles);
    expect(eight.latencyCycles).toBeLessThan(8 * one.latencyCycles);
  });
});

describe('no einsum is dropped', () => {
  it('an einsum no unit can execute stops the run, naming it and what is missing', async () => {
    const r = await runCli(['run', join(import.meta.dirname, '../../examples/models/tiny-llama-prefill.ein'), '--target', 'systolic']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/einsum \S+ needs [a-z, ]*exp[a-z, ]*, and no compute unit of systolic executes all of it: PE \(mul, add\)/);
    expect(r.err).toMatch(/exp_macs/);
  });
});
