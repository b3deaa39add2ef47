// The sn40l target at fidelity cycle (the dataflow engine, targets/dataflow-cycle.ts): it agrees with
// the analytic model on a LLaMA-2-7B decode, and the tier schedule's DDR ⇄ HBM ⇄ SRAM transfers are on
// its timeline and in its latency. Oracles: the analytic mapper (an independent model), the schedule's
// own per-tier counts, and the channel time its bytes need at the .arch bandwidth.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPipeline, simulateCascade } from '../../compiler/driver/pipeline';
import { buildModel, parseModelConfig } from '../../compiler/graph';
import { loadCascadeFile } from '../../compiler/lang';
import { TraceWriter } from '../../sim/core/trace';
import { loadTarget } from '../../targets/registry';
import { runCli } from '../helpers/cli';

const root = join(import.meta.dirname, '../..');
const block = loadCascadeFile(join(root, 'examples/schedule/block.ein'));

describe('sn40l has fidelity cycle: the dataflow engine', () => {
  it('is the engine the .arch names', () => {
    const t = loadTarget('sn40l', {});
    expect(t.fidelities).toContain('cycle');
    expect(t.spec.attrs.engine).toBe('dataflow');
  });

  it('a bad attr section_ops is a plain error with exit code 1, naming the attribute', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-sn40l-bad-'));
    const arch = join(dir, 'bad.arch');
    writeFileSync(arch, 'target bad extends sn40l {\n  attr section_ops = 0\n}\n');
    const r = await runCli(['run', join(root, 'examples/gemm/gemm.ein'), '--target', arch, '--fidelity', 'cycle']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/section_ops = 0: expected a positive whole number/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('LLaMA-2-7B decode (b=1, kv=2048, 2 layers): analytic and cycle within 10%, einsums over 1% within 25%', () => {
    const spec = parseModelConfig(readFileSync(join(root, 'data/models/llama-2-7b.json'), 'utf8'), 'llama-2-7b.json');
    const c = buildModel(spec, { kind: 'decode', batch: 1, kvLen: 2048 }, { layers: 2 });
    const a = simulateCascade(c, { target: 'sn40l' });
    const cy = simulateCascade(c, { target: 'sn40l', fidelity: 'cycle' });
    expect(cy.fidelity).toBe('cycle');
    expect(Math.abs(cy.latencyCycles / a.latencyCycles - 1)).toBeLessThan(0.1);
    // the same bytes cross HBM at both fidelities (the mapper's placement)
    expect(cy.traffic.HBM!.readBytes).toBe(a.traffic.HBM!.readBytes);
    const byName = new Map(cy.einsums.map((e) => [e.name, e]));
    for (const e of a.einsums) {
      if (e.latencyCycles < 0.01 * a.latencyCycles) continue;
      expect(Math.abs(byName.get(e.name)!.latencyCycles / e.latencyCycles - 1), e.name).toBeLessThan(0.25);
    }
    // the einsums add up to the total: a pipelined section's span is shared out, not counted twice
    expect(cy.einsums.reduce((s, e) => s + e.latencyCycles, 0)).toBe(cy.latencyCycles);
  }, 60_000);
});

describe('the tier schedule on the dataflow timeline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-sn40l-'));
  // HBM cut to 400 KiB: the schedule must spill down to DDR (issue 12's case)
  const small = join(dir, 'sn40l-small.arch');
  writeFileSync(small, readFileSync(join(root, 'targets/sn40l/sn40l.arch'), 'utf8').replace(/capacity = 64 GiB/, 'capacity = 400 KiB'));

  it('DDR and HBM bytes are the schedule’s, the transfers overlap compute, and DDR time is in the latency', async () => {
    const trace = new TraceWriter();
    const r = await runPipeline(block, { target: small, fidelity: 'cycle', placement: { kind: 'ilp' }, trace });
    const analytic = await runPipeline(block, { target: small, fidelity: 'analytic', placement: { kind: 'ilp' } });
    const byLevel = (r.schedule as { traffic: { byLevel: Record<string, { readBytes: number; writeBytes: number }> } }).traffic.byLevel;
    expect(r.traffic.DDR).toEqual(byLevel.DDR);
    expect(r.traffic.HBM).toEqual(byLevel.HBM);
    expect(byLevel.DDR!.readBytes).toBeGreaterThan(0);
    expect((r as { transfersOnTimeline?: boolean }).transfersOnTimeline).toBe(true);
    // the DDR channel (125 GB/s at 1.6 GHz = 78.125 B/cycle) must move every byte read from DDR
    expect(r.latencyCycles).toBeGreaterThanOrEqual(Math.ceil(byLevel.DDR!.readBytes / 78.125));
    // overlapped with compute: never slower than the analytic model with its transfers added in series
    expect(r.latencyCycles).toBeLessThan(analytic.latencyCycles);
    // the timeline shows the tiers' transfers
    const tracks = new Set(trace.toJSON().traceEvents.filter((e) => e.ph === 'X').map((e) => e.cat));
    expect(tracks).toContain('DDR');
    expect(tracks).toContain('HBM');
  }, 60_000);

  it('the same block with all of HBM runs faster: no DDR traffic', async () => {
    const full = await runPipeline(block, { target: 'sn40l', fidelity: 'cycle', placement: { kind: 'ilp' } });
    const cut = await runPipeline(block, { target: small, fidelity: 'cycle', placement: { kind: 'ilp' } });
    expect(full.traffic.DDR?.readBytes ?? 0).toBe(0);
    expect(full.latencyCycles).toBeLessThan(cut.latencyCycles);
  }, 60_000);
});
