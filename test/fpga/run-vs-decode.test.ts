// `tessera run` of a lowered LLaMA2-7B on the overlay against `repro flightllm`'s own decode model
// (sim/fpga/decode.ts, which builds its GEMVs from the model's shape, not from the cascade), for the same
// case: int4 weights with an fp16 scale per 128 (4.125 bits), fp16 KV cache, dense, kv = 512. The GEMMs
// decode.ts models (seven projections, QK and SV over the cache) take the same time in both, up to each op's
// rounding to whole cycles; what run adds is listed (docs/FPGA.md "run against repro").
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel, parseModelConfig } from '../../compiler/graph';
import { quantizeCascade } from '../../compiler/graph/quantize';
import { decodeStep } from '../../sim/fpga/decode';
import { overlayHardware, type OverlayHardware } from '../../sim/fpga/hardware';
import { loadTarget } from '../../targets/registry';

const file = join(import.meta.dirname, '../../data/models/llama-2-7b.json');
const layers = 2;
const cascade = quantizeCascade(buildModel(parseModelConfig(readFileSync(file, 'utf8'), 'llama-2-7b.json'), { kind: 'decode', batch: 1, kvLen: 512 }, { layers }), { wbits: 4, group: 128 }).cascade;

describe('run against repro flightllm\'s decode model (LLaMA2-7B, 2 blocks, int4 g128, kv 512)', () => {
  for (const target of ['u280', 'vhk158']) {
    it(`${target}: the projections and attention GEMMs of run equal decode.ts; the rest is the LM head at fp16, the SFU's ops, the norms' sums of squares and q.k_new`, () => {
      const t = loadTarget(target);
      const r = t.simulate(t.map(cascade, undefined, {}), { fidelity: 'cycle' });
      const hw = overlayHardware(t.spec) as OverlayHardware;
      const model = { layers, hidden: 4096, intermediate: 11008, heads: 32, vocab: 0 };
      const d = decodeStep(model, 512, { clockHz: hw.clockHz, cores: hw.cores, mv: hw.mv, hbm: hw.hbm, weightBits: 4 + 16 / 128, sparsity: {}, kvBits: 16, actBits: 16, alwaysOnChip: true, normElementsPerCycle: 16 });
      // the GEMMs: decode.ts's step less its RMSNorms (run prices its norms on the SFU and the matrix engine, below)
      const gemmSeconds = d.seconds - d.normSeconds;
      const lat = (re: RegExp) => r.einsums.filter((e) => re.test(e.name)).reduce((s, e) => s + e.latencyCycles, 0);
      const gemms = lat(/^L\d+_(Q|KN|VN|O|GATE|UP|DOWN|QK|AVC)$/);
      // 9 ops a block, each rounded up to a whole cycle in run
      expect(gemms).toBeGreaterThanOrEqual(gemmSeconds * hw.clockHz - 1e-6);
      expect(gemms - gemmSeconds * hw.clockHz).toBeLessThan(9 * layers);
      // the LM head: 4096 x 32000 fp16 = 262 MB (the lowering keeps it dense at the model's dtype) and the
      // 32000 fp16 logits written back, HBM-bound
      const head = Math.ceil((4096 * 32000 * 2 + 32000 * 2) / (32 * hw.hbm.channelBytesPerSecond * 0.7) * hw.clockHz);
      expect(lat(/^LOGITS$/)).toBe(head);
      // everything else: the SFU's einsums, the norms' sums of squares and q.k_new on the matrix engine
      const sfu = r.einsums.filter((e) => e.unit === 'SFU').reduce((s, e) => s + e.latencyCycles, 0);
      const rest = lat(/_(AN_SS|MN_SS|QKN)$/) + lat(/^FN_SS$/);
      expect(r.latencyCycles).toBe(gemms + head + sfu + rest);
      // and they are small: under 5% of the step
      expect((sfu + rest) / r.latencyCycles).toBeLessThan(0.05);
    });
  }
});
