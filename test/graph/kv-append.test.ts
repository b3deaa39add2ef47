// Decode lowering appends the new token's K and V to every layer's cache by indexed writes, in every family
// that decodes; the interpreter's updated cache equals an append written by hand, and the step's logits are
// what they were without the append (it follows the attention that reads the cache).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel, parseModelConfig } from '../../compiler/graph';
import { interpret, randomInputs } from '../../compiler/interp';
import { finalize, isGatherAccess, printCascade, type Cascade, type CascadeSource, type Einsum } from '../../compiler/ir';
import { parseCascade } from '../../compiler/lang';

const models = resolve(import.meta.dirname, '../../data/models');
const load = (path: string) => parseModelConfig(readFileSync(path, 'utf8'), path);
const tiny = load(resolve(import.meta.dirname, '../../examples/models/tiny-llama.json'));

/** The cascade's source again, with extra einsums and outputs (a copy of the updated cache, the new rows). */
function withExtra(c: Cascade, drop: (e: Einsum) => boolean, extra: Einsum[], outputs: string[]): Cascade {
  const src: CascadeSource = {
    ranks: c.ranks.filter((r) => !r.partOf),
    partitions: c.partitions.map((p) => ({ parent: p.parent, parts: p.parts, innerSizes: p.parts.slice(1).map((q) => c.ranks.find((r) => r.name === q)!.size) })),
    declared: c.tensors.filter((t) => t.role === 'input' || t.role === 'weight' || t.role === 'kvcache'),
    einsums: [...c.einsums.filter((e) => !drop(e)), ...extra],
    outputs: outputs.map((name) => ({ name })),
  };
  const r = finalize(src);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.cascade!;
}
const copy = (out: string, from: string, idx: string[]): Einsum => ({
  output: { tensor: out, indices: idx.map((name) => ({ kind: 'ivar', name })) },
  reduce: 'sum',
  init: false,
  expr: { kind: 'access', access: { tensor: from, indices: idx.map((name) => ({ kind: 'ivar', name })) } },
});

describe('decode appends K and V to the cache by indexed writes', () => {
  for (const [name, layers] of [['llama-2-7b', 2], ['llama-3-8b', 1], ['mistral-7b', 1], ['mixtral-8x7b', 1], ['opt-6.7b', 1], ['gpt2', 1], ['t5-small', 1]] as const)
    it(`${name}: two writes per layer into L<n>_KC and L<n>_VC through SLOT, after every read of the cache; logits the only output`, () => {
      const spec = load(`${models}/${name}.json`);
      const c = buildModel(spec, { kind: 'decode', batch: 2, kvLen: 64, ...(name === 't5-small' ? { encLen: 8 } : {}) }, { layers });
      const writes = c.einsums.map((e, i) => [e, i] as const).filter(([e]) => isGatherAccess(e.output));
      expect(writes.map(([e]) => e.output.tensor)).toEqual(Array.from({ length: layers }, (_, l) => [`L${l}_KC`, `L${l}_VC`]).flat());
      for (const [e, i] of writes) {
        expect(c.tensors.find((t) => t.name === e.output.tensor)!.role).toBe('kvcache');
        expect(printCascade({ ...c, einsums: [e], tensors: c.tensors })).toContain(`${e.output.tensor}[b, SLOT[b, s], `);
        const lastRead = Math.max(...c.einsums.map((x, j) => (JSON.stringify(x.expr).includes(`"tensor":"${e.output.tensor}"`) ? j : -1)));
        expect(lastRead).toBeGreaterThanOrEqual(0);
        expect(i).toBeGreaterThan(lastRead);
      }
      expect(c.outputs).toEqual(['LOGITS']);
      // the text parses back to the same einsums
      const { name: _, ...unnamed } = c;
      expect(printCascade(parseCascade(printCascade(c), 'x.ein').cascade!)).toBe(printCascade(unnamed));
    });

  it('tiny LLaMA: the updated cache equals a hand-written append of the new K at SLOT; the logits are unchanged by it', () => {
    const c = buildModel(tiny, { kind: 'decode', batch: 2, kvLen: 16 }, { layers: 1 });
    const kc = c.tensors.find((t) => t.name === 'L0_KC')!;
    const [B, L, G, E] = kc.dims.map((d) => d.extent) as [number, number, number, number];
    const idx = kc.dims.map((d) => d.rank.toLowerCase());
    const knIdx = ['b', 's', idx[2]!, idx[3]!];
    const observed = withExtra(c, () => false, [copy('KO', 'L0_KC', idx), copy('KNO', 'L0_KNR', knIdx)], ['LOGITS', 'KO', 'KNO']);
    const x = randomInputs(observed, 5);
    x.set('SLOT', { dtype: 'int32', shape: [B, 1], data: Float64Array.from([L - 1, 3]) });
    const res = interpret(observed, x);
    const kcIn = x.get('L0_KC')!.data;
    const kn = res.get('KNO')!.data;
    const want = Float64Array.from(kcIn);
    const slot = [L - 1, 3];
    for (let b = 0; b < B; b++) for (let g = 0; g < G; g++) for (let e = 0; e < E; e++) want[((b * L + slot[b]!) * G + g) * E + e] = kn[(b * G + g) * E + e]!;
    expect([...res.get('KO')!.data]).toEqual([...want]);
    expect([...want].filter((v, i) => v !== kcIn[i]).length).toBeGreaterThan(0);
    // without the writes (the lowering before the append) the same inputs give the same logits
    const noAppend = withExtra(c, (e) => isGatherAccess(e.output), [], ['LOGITS']);
    expect([...interpret(noAppend, x).get('LOGITS')!.data]).toEqual([...res.get('LOGITS')!.data]);
  });
});
