// A SCALE-Sim topology as a Tessera cascade: one independent GEMM einsum per layer (a conv layer as
// its im2col GEMM, the M, N, K of topology.ts), built with the IR and checked by `finalize`:
//   rank M<i> = M, N<i> = N, K<i> = K
//   input  <name>_ifmap[M<i>, K<i>]: int8      (SCALE-Sim's ifmap operand, A)
//   weight <name>_filter[K<i>, N<i>]: int8     (its filter operand, B)
//   <name>[m<i>, n<i>]: int8 = <name>_ifmap[m<i>, k<i>] * <name>_filter[k<i>, n<i>]
// SCALE-Sim's word is one byte for every operand and result, hence int8 throughout. <name> is the
// layer's name made an identifier (other characters become '_'), unique across the cascade.
import { DiagnosticError, finalize, type Cascade, type CascadeSource, type Einsum, type Tensor } from '../../../compiler/ir';
import { DTYPES, REDUCE_OPS, UNARY_OPS } from '../../../compiler/ir';
import type { TopologyLayer } from './topology';

export interface ScaleSimCascade {
  cascade: Cascade;
  /** the einsum (output tensor) name of each layer, in topology order */
  einsums: string[];
}

/** words the .ein language reserves: a tensor named so could not be printed and read back */
const RESERVED = new Set<string>(['rank', 'input', 'weight', 'kvcache', 'init', 'output', 'select', 'max', 'min', 'inf', ...UNARY_OPS, ...REDUCE_OPS, ...DTYPES]);

/** Identifiers for the layers: sanitised, not reserved, and unique with their _ifmap/_filter names. */
export function layerIdentifiers(names: readonly string[]): string[] {
  const used = new Set<string>();
  const free = (n: string) => !used.has(n) && !used.has(`${n}_ifmap`) && !used.has(`${n}_filter`) && !RESERVED.has(n);
  return names.map((raw) => {
    let base = raw.trim().replace(/[^A-Za-z0-9_]/g, '_');
    if (!/^[A-Za-z]/.test(base)) base = `L${base}`;
    let name = base;
    for (let k = 2; !free(name); k++) name = `${base}_${k}`;
    used.add(name);
    used.add(`${name}_ifmap`);
    used.add(`${name}_filter`);
    return name;
  });
}

const ivar = (name: string) => ({ kind: 'ivar' as const, name });

export function scaleSimCascade(layers: readonly TopologyLayer[], name: string): ScaleSimCascade {
  const ids = layerIdentifiers(layers.map((l) => l.name));
  const src: CascadeSource = { name, ranks: [], partitions: [], declared: [], einsums: [], outputs: [] };
  layers.forEach((l, i) => {
    const id = ids[i]!;
    const [M, N, K] = [`M${i}`, `N${i}`, `K${i}`];
    const [m, n, k] = [M, N, K].map((r) => r.toLowerCase()) as [string, string, string];
    src.ranks.push({ name: M, size: l.M }, { name: N, size: l.N }, { name: K, size: l.K });
    const operand = (t: string, role: Tensor['role'], dims: [string, number][]): Tensor => ({ name: t, role, dtype: 'int8', dims: dims.map(([rank, extent]) => ({ rank, extent })) });
    src.declared.push(operand(`${id}_ifmap`, 'input', [[M, l.M], [K, l.K]]), operand(`${id}_filter`, 'weight', [[K, l.K], [N, l.N]]));
    const access = (t: string, a: string, b: string) => ({ kind: 'access' as const, access: { tensor: t, indices: [ivar(a), ivar(b)] } });
    const e: Einsum = {
      output: { tensor: id, indices: [ivar(m), ivar(n)] },
      reduce: 'sum',
      expr: { kind: 'binary', op: '*', a: access(`${id}_ifmap`, m, k), b: access(`${id}_filter`, k, n) },
      init: false,
      dtype: 'int8',
    };
    src.einsums.push(e);
    src.outputs.push({ name: id });
  });
  const r = finalize(src);
  if (!r.cascade) throw new DiagnosticError(r.diagnostics);
  return { cascade: r.cascade, einsums: ids };
}
