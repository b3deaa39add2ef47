// One description per fused group: the mapper builds GroupMapping.fused once, its analytic model
// computes from it, and targets/spatial-cycle.ts hands that very object to the cycle engine (no
// shape is rebuilt from the mapping). Oracle: object identity and the hand-counted shape of the
// shipped example (E = F = 16, M = 200 with M0 = 64, P = 64).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parseCascade } from '../../compiler/lang';
import type { FusedAttention } from '../../sim/spatial/attention-shape';
import type { AttentionRun } from '../../sim/spatial/attention-pipeline';
import { getTarget } from '../../targets/registry';

const seen: { input: FusedAttention; run: AttentionRun }[] = [];
vi.mock('../../sim/spatial/attention-pipeline', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../../sim/spatial/attention-pipeline')>();
  return {
    ...mod,
    simulateFusemax: (d: FusedAttention, o?: Parameters<typeof mod.simulateFusemax>[1]) => {
      const run = mod.simulateFusemax(d, o);
      seen.push({ input: d, run });
      return run;
    },
    simulateFlat: (d: FusedAttention, o?: Parameters<typeof mod.simulateFlat>[1]) => {
      const run = mod.simulateFlat(d, o);
      seen.push({ input: d, run });
      return run;
    },
  };
});

const root = join(import.meta.dirname, '../..');
const cascadeOf = (file: string) => parseCascade(readFileSync(join(root, file), 'utf8'), file).cascade!;

describe('the analytic and cycle models of a fused group run one description', () => {
  for (const [target, file] of [
    ['fusemax', 'examples/attention/attention-1pass.ein'],
    ['flat', 'examples/attention/attention-3pass.ein'],
  ] as const) {
    it(`${target}: the cycle engine receives GroupMapping.fused itself, and its run records it`, () => {
      const t = getTarget(target);
      const m = t.map(cascadeOf(file), undefined, { batch: 2 });
      const d = m.groups[0]!.fused!;
      expect(d).toBeDefined();
      const snapshot = structuredClone(d);
      seen.length = 0;
      const cycle = t.simulate(m, { fidelity: 'cycle' });
      expect(seen).toHaveLength(1);
      expect(seen[0]!.input).toBe(d);
      expect(seen[0]!.run.description).toBe(d);
      expect(seen[0]!.run.description).toEqual(m.groups[0]!.fused);
      // nothing on the way mutated it
      expect(d).toEqual(snapshot);
      expect(cycle.latencyCycles).toBe(seen[0]!.run.totalCycles);
    });
  }

  it('fusemax: the description holds the shape, tiles, bytes, units and the einsums on each', () => {
    const d = getTarget('fusemax').map(cascadeOf('examples/attention/attention-1pass.ein'), undefined, {}).groups[0]!.fused!;
    expect({ dataflow: d.dataflow, P: d.P, M: d.M, E: d.E, F: d.F, batch: d.batch, bytes: d.bytes, tiles: d.tiles }).toEqual({
      dataflow: 'pipeline',
      P: 64,
      M: 200,
      E: 16,
      F: 16,
      batch: 1,
      bytes: { Q: 4, K: 4, V: 4, out: 4 },
      tiles: { M0: 64, M1: 4, P0: 256, P1: 1, P2: 1 },
    });
    expect(d.ranks).toMatchObject({ m1: 'm1', m0: 'm0' });
    expect(d.tensors.map((t) => [t.name, t.operand])).toEqual([
      ['Q', 'Q'],
      ['K', 'K'],
      ['V', 'V'],
      ['AV', 'out'],
    ]);
    // contractions and the m0 reductions on the 2D array, the running values on the 1D array, the divide last
    const on = (u: string) => d.ops.filter((o) => o.unit === u && !o.tail).length;
    expect(on('2d')).toBe(5);
    expect(on('1d')).toBe(6);
    expect(d.ops.filter((o) => o.tail).map((o) => o.writes)).toEqual(['AV']);
  });
});
