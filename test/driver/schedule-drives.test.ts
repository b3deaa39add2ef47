// The tier schedule drives the simulation: with --schedule, every einsum's off-chip traffic is the
// schedule's loads and spills, at both fidelities, and a tighter SRAM budget never moves fewer bytes or
// takes less time. The oracle is the schedule's own traffic as counted by its independent checker.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPipeline } from '../../compiler/driver/pipeline';
import { buildModel, parseModelConfig } from '../../compiler/graph';
import { loadCascadeFile } from '../../compiler/lang';
import type { Result } from '../../sim/core/result';

const root = join(import.meta.dirname, '../..');
const tinyLlama = loadCascadeFile(join(root, 'examples/models/tiny-llama-prefill.ein'));

type Schedule = { traffic: { byLevel: Record<string, { readBytes: number; writeBytes: number }> } };
const offChipBytes = (r: Result, tiers: string[]) => tiers.reduce((s, t) => s + (r.traffic[t]?.readBytes ?? 0) + (r.traffic[t]?.writeBytes ?? 0), 0);

/** Result traffic per outer tier = the schedule's; the einsums add up to it; SRAM fills = every load. */
function expectTrafficIsTheSchedules(r: Result, sram: string): void {
  const byLevel = (r.schedule as Schedule).traffic.byLevel;
  expect(Object.keys(byLevel).length).toBeGreaterThan(0);
  let loads = 0;
  for (const [tier, t] of Object.entries(byLevel)) {
    if (t.readBytes + t.writeBytes === 0) expect(r.traffic[tier] ?? { readBytes: 0, writeBytes: 0 }).toEqual(t);
    else expect(r.traffic[tier]).toEqual(t);
    const sum = r.einsums.reduce((s, e) => ({ readBytes: s.readBytes + (e.traffic[tier]?.readBytes ?? 0), writeBytes: s.writeBytes + (e.traffic[tier]?.writeBytes ?? 0) }), { readBytes: 0, writeBytes: 0 });
    expect(sum).toEqual(t);
    loads += t.readBytes;
  }
  expect((r as { fills?: Record<string, number> }).fills?.[sram]).toBe(loads);
}

describe('tiny LLaMA prefill on fusemax with --schedule ilp', () => {
  for (const fidelity of ['analytic', 'cycle'] as const) {
    it(`${fidelity}: off-chip bytes are the schedule's; tighter budgets never move fewer bytes or run faster`, async () => {
      const budgets = [35840, 33344, 32000, 30848];
      const runs: Result[] = [];
      for (const budget of budgets) runs.push(await runPipeline(tinyLlama, { target: 'fusemax', fidelity, placement: { kind: 'ilp', budget } }));
      for (const r of runs) expectTrafficIsTheSchedules(r, 'GLB');
      for (let i = 1; i < runs.length; i++) {
        expect(offChipBytes(runs[i]!, ['DRAM'])).toBeGreaterThanOrEqual(offChipBytes(runs[i - 1]!, ['DRAM']));
        expect(runs[i]!.latencyCycles).toBeGreaterThanOrEqual(runs[i - 1]!.latencyCycles);
      }
      expect(offChipBytes(runs.at(-1)!, ['DRAM'])).toBeGreaterThan(offChipBytes(runs[0]!, ['DRAM']));
      expect(runs.at(-1)!.latencyCycles).toBeGreaterThan(runs[0]!.latencyCycles);
    });
  }

  it('greedy (Belady) never beats the ILP at the same budget', async () => {
    const ilp = await runPipeline(tinyLlama, { target: 'fusemax', placement: { kind: 'ilp', budget: 30848 } });
    const greedy = await runPipeline(tinyLlama, { target: 'fusemax', placement: { kind: 'greedy', budget: 30848 } });
    expectTrafficIsTheSchedules(greedy, 'GLB');
    expect(offChipBytes(greedy, ['DRAM'])).toBeGreaterThanOrEqual(offChipBytes(ilp, ['DRAM']));
  });
});

describe('LLaMA-2-7B decode on sn40l with --schedule ilp', () => {
  const spec = parseModelConfig(readFileSync(join(root, 'data/models/llama-2-7b.json'), 'utf8'), 'llama-2-7b.json');
  const c = buildModel(spec, { kind: 'decode', batch: 1, kvLen: 2048 });

  it('bytes per tier equal the schedule; weights and KV cache are read from HBM exactly once', async () => {
    const r = await runPipeline(c, { target: 'sn40l', placement: { kind: 'ilp' } });
    expectTrafficIsTheSchedules(r, 'PMU');
    // every weight (6.74 B parameters in fp16) and the KV cache (2 x 32 layers x 2048 x 4096 fp16) come in once,
    // except the embedding table: the gather WTE[TOK[b, s], d] reads one row (4096 fp16), not 32000 of them
    const weights = 6_738_415_616 * 2 - 32000 * 4096 * 2 + 4096 * 2;
    const kv = 2 * 32 * 2048 * 4096 * 2;
    expect(r.traffic.HBM!.readBytes).toBeGreaterThanOrEqual(weights + kv);
    expect(r.traffic.HBM!.readBytes).toBeLessThan((weights + kv) * 1.01);
  }, 60_000);

  it('a tighter SRAM budget moves more bytes and takes longer (the gathered embedding leaves LM_HEAD the floor)', async () => {
    // the largest operator, LOGITS, needs LM_HEAD (32000 x 4096 fp16) + LOGITS (32000 fp16) + FN (4096 fp16) at once:
    // 262,216,192 bytes; 4 KiB above that floor the schedule must spill and reload the live KV outputs
    const floor = 262_216_192;
    const roomy = await runPipeline(c, { target: 'sn40l', placement: { kind: 'ilp', budget: 300e6 } });
    const tight = await runPipeline(c, { target: 'sn40l', placement: { kind: 'ilp', budget: floor + 4096 } });
    for (const r of [roomy, tight]) expectTrafficIsTheSchedules(r, 'PMU');
    expect(offChipBytes(tight, ['HBM', 'DDR'])).toBeGreaterThan(offChipBytes(roomy, ['HBM', 'DDR']));
    expect(tight.latencySeconds).toBeGreaterThan(roomy.latencySeconds);
    // below the floor nothing fits: a plain refusal naming the operator
    await expect(runPipeline(c, { target: 'sn40l', placement: { kind: 'ilp', budget: floor - 4096 } })).rejects.toThrow(/LOGITS needs 262216192 bytes/);
  }, 120_000);
});
