// Repeated fused groups: a model's later layers form the same FuseMax group as its first one under
// a renaming of tensors, variables and ranks (compiler/map/fused/repeat.ts), and copy it renamed.
// Oracle: every group formed on its own (pipelineModel per partition, which never copies), which
// the copies must equal field by field: names, cascade indices, tiles, costs, explanation text.
// Layers that differ (a tensor's dtype, a rank's size) must not be copied.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel, parseModelConfig } from '../../compiler/graph';
import { Renaming, type Cascade } from '../../compiler/ir';
import { cascadeWorkloads, hwModel } from '../../compiler/map';
import { iterativePartitions, pipelineGroups, pipelineModel } from '../../compiler/map/fused';
import { getTarget } from '../../targets/registry';
import { einsumsEqual } from '../../compiler/ir';

const root = join(import.meta.dirname, '..', '..');
const file = join(root, 'data/models/llama-2-7b.json');
const hw = hwModel(getTarget('fusemax').spec);

function model(phase: Parameters<typeof buildModel>[1], layers: number): Cascade {
  return buildModel(parseModelConfig(readFileSync(file, 'utf8'), 'llama-2-7b.json'), phase, { layers, passes: 1, tile: 256 });
}

/** Every group formed on its own: the oracle. */
function eachFormed(c: Cascade) {
  const ws = cascadeWorkloads(c);
  return iterativePartitions(c).map((p) => pipelineModel(c, ws, hw, 'latency', 1, p));
}

describe('repeated FuseMax groups', () => {
  it('has the model config', () => expect(existsSync(file)).toBe(true));

  for (const phase of [{ kind: 'prefill', batch: 1, seq: 2048 }, { kind: 'decode', batch: 1, kvLen: 512 }] as const)
    it(`copies of layer 0's group equal the groups formed one by one (LLaMA-2-7B ${phase.kind}, 4 layers)`, () => {
      const c = model(phase, 4);
      const got = pipelineGroups(c, cascadeWorkloads(c), hw, 'latency', 1);
      expect(Array.isArray(got) && got.length).toBe(4);
      expect(got).toEqual(eachFormed(c));
      // the copies are renamed, not layer 0's names
      if (Array.isArray(got)) expect(got[3]!.group.einsums.every((n) => n.startsWith('L3_'))).toBe(true);
    });

  it('forms a layer on its own when it differs (a dtype)', () => {
    const c = model({ kind: 'prefill', batch: 1, seq: 512 }, 3);
    // layer 1's V in fp8: the same IR, another workload
    const v1 = c.tensors.find((t) => t.name === 'L1_V')!;
    const edited: Cascade = { ...c, tensors: c.tensors.map((t) => (t === v1 ? { ...t, dtype: 'fp8e4m3' as const } : t)) };
    const got = pipelineGroups(edited, cascadeWorkloads(edited), hw, 'latency', 1);
    expect(got).toEqual(eachFormed(edited));
    if (!Array.isArray(got)) throw new Error('no groups');
    expect(got[1]!.group.cost.traffic).not.toEqual(got[0]!.group.cost.traffic);
  });

  it('a renaming pairs names one to one', () => {
    const c = model({ kind: 'prefill', batch: 1, seq: 512 }, 2);
    const idx = (n: string) => c.einsums.findIndex((e) => !e.init && e.output.tensor === n);
    const r = new Renaming();
    expect(einsumsEqual(c.einsums[idx('L0_BQK')]!, c.einsums[idx('L1_BQK')]!, r)).toBe(true);
    expect(r.tensors.map('L0_BQK')).toBe('L1_BQK');
    // the same layer-0 tensor cannot pair with a second partner
    expect(r.tensors.pair('L0_BQK', 'L0_BQK')).toBe(false);
    expect(einsumsEqual(c.einsums[idx('L0_BQK')]!, c.einsums[idx('L1_AV')]!, new Renaming())).toBe(false);
  });
});
