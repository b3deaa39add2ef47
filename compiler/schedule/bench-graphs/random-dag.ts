// A seeded family of random operator DAGs (the same seed gives the same graph). Each operator reads one to
// three earlier tensors, mostly recent ones with an occasional long skip, and writes one tensor; sizes are
// log-uniform. Each operator has a weight (a parameter) that is scheduled only with `params`.
import type { OpGraph, OpTensor } from '../types';
import { uniformRng } from '../../ir/prng';


export interface RandomDagOptions {
  seed: number;
  ops: number;
  inputs?: number;
  params?: boolean;
  /** smallest and largest tensor, bytes */
  minBytes?: number;
  maxBytes?: number;
}

export function randomDag(o: RandomDagOptions): OpGraph {
  const rnd = uniformRng(o.seed);
  const minB = o.minBytes ?? 16 * 1024;
  const maxB = o.maxBytes ?? 1024 * 1024;
  const size = () => Math.round(Math.exp(Math.log(minB) + rnd() * (Math.log(maxB) - Math.log(minB))) / 256) * 256;
  const tensors: OpTensor[] = [];
  const nIn = o.inputs ?? 2;
  for (let i = 0; i < nIn; i++) tensors.push({ name: `in${i}`, bytes: size(), kind: 'input' });
  const ops: OpGraph['ops'] = [];
  const readers = new Map<number, number>();
  for (let i = 0; i < o.ops; i++) {
    const avail = tensors.map((_, j) => j).filter((j) => tensors[j]!.kind !== 'param');
    const k = 1 + Math.floor(rnd() * 3);
    const ins = new Set<number>();
    for (let r = 0; r < k; r++) {
      // mostly one of the last four tensors, sometimes any earlier one (a long skip)
      const recent = rnd() < 0.75;
      const pick = recent ? avail[Math.max(0, avail.length - 1 - Math.floor(rnd() * 4))]! : avail[Math.floor(rnd() * avail.length)]!;
      ins.add(pick);
    }
    const inputs = [...ins].sort((a, b) => a - b);
    if (o.params) {
      tensors.push({ name: `w${i}`, bytes: size(), kind: 'param' });
      inputs.push(tensors.length - 1);
    }
    tensors.push({ name: `t${i}`, bytes: size(), kind: 'intermediate' });
    for (const t of inputs) readers.set(t, (readers.get(t) ?? 0) + 1);
    ops.push({ name: `op${i}`, inputs, outputs: [tensors.length - 1] });
  }
  // tensors nobody reads are the graph's outputs
  tensors.forEach((t, j) => {
    if (t.kind === 'intermediate' && !readers.has(j)) t.kind = 'output';
  });
  return { name: `random-dag seed ${o.seed} (${o.ops} ops${o.params ? ', params' : ''})`, tensors, ops };
}
