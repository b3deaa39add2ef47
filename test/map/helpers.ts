// Shared fixtures for the mapper tests: small cascades from .ein text and a tiny hand-written target.
import { parseCascade } from '../../compiler/lang';
import type { Cascade } from '../../compiler/ir';
import type { TargetSpec } from '../../targets/spec/types';

export function cascade(text: string, file = 'test.ein'): Cascade {
  const r = parseCascade(text, file);
  if (!r.cascade) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.cascade;
}

export function gemm(M: number, N: number, K: number, dt = 'int8', out = 'int8', weight = true): Cascade {
  return cascade(`rank M = ${M}, N = ${N}, K = ${K}\ninput A[M, K]: ${dt}\n${weight ? 'weight' : 'input'} B[K, N]: ${dt}\nZ[m, n]: ${out} = A[m, k] * B[k, n]\noutput Z\n`, `gemm-${M}x${N}x${K}.ein`);
}

/** A 4x4 array with a small buffer and a narrow DRAM: tiling, binding and loop order all matter. */
export function tinySpec(glbBytes = 512, dataflow?: 'os' | 'ws' | 'is'): TargetSpec {
  return {
    name: 'tiny',
    description: 'test fixture: 4x4 array, 512 B buffer',
    clockHz: 1e9,
    memories: [
      { name: 'DRAM', kind: 'dram', bandwidthBytesPerSecond: 4e9, readEnergyPjPerByte: 20, writeEnergyPjPerByte: 20, attrs: {} },
      { name: 'GLB', kind: 'sram', capacityBytes: glbBytes, bandwidthBytesPerSecond: 16e9, readEnergyPjPerByte: 1, writeEnergyPjPerByte: 1, attrs: {} },
    ],
    computes: [{ name: 'PE', kind: 'array2d', rows: 4, cols: 4, ops: ['mul', 'add'], macEnergyPj: 0.5, ...(dataflow ? { dataflow } : {}), attrs: {} }],
    links: [],
    attrs: {},
  };
}
