// Cascade -> OpGraph: each einsum is one operator; each tensor's bytes come from its dims and dtype.
// Weights are parameters and are scheduled only when asked (COSMA's "with parameters" runs); without them an
// operator's weights are assumed to stream from outside the scratchpad.
import { dtypeBytes, einsumName, exprAccesses, gatherAccesses, isGatherAccess, iterationVars, iterativeVars, tensorElements, type Cascade } from '../ir';
import type { OpGraph, OpTensor, TensorKind } from './types';
import { gatheredBytes, indexedWriteElements } from '../analysis/gathered';

export function cascadeToOpGraph(c: Cascade, opts: { params?: boolean; name?: string } = {}): OpGraph {
  const withParams = opts.params ?? false;
  const index = new Map<string, number>();
  const tensors: OpTensor[] = [];
  const outputs = new Set(c.outputs);
  // a table read only through gathers (an embedding) takes the rows they touch, not the whole table
  const gathered = gatheredBytes(c);
  for (const t of c.tensors) {
    if (t.role === 'weight' && !withParams) continue;
    const kind: TensorKind = t.role === 'weight' ? 'param' : t.role === 'input' || t.role === 'kvcache' ? 'input' : outputs.has(t.name) ? 'output' : 'intermediate';
    index.set(t.name, tensors.length);
    tensors.push({ name: t.name, bytes: gathered.get(t.name) ?? dtypeBytes(t.dtype, tensorElements(t)), kind });
  }
  // an indexed write (the KV-cache append) stores its rows back where the cache lives: an output of those rows'
  // bytes, named `KC@rows`; readers of the cache read the cache as given (compiler/map/gather.ts)
  const rowsOf = (name: string) => `${name}@rows`;
  for (const [name, n] of indexedWriteElements(c)) {
    index.set(rowsOf(name), tensors.length);
    tensors.push({ name: rowsOf(name), bytes: dtypeBytes(c.tensors.find((t) => t.name === name)!.dtype, n), kind: 'output' });
  }
  // A recurrence group (every non-init einsum iterating an iterative rank) runs as one loop, so it is one
  // operator writing all its members' tensors; an init einsum joins the operator that writes its tensor.
  const iterVars = new Set(iterativeVars(c));
  const groupKey = (i: number) => {
    const e = c.einsums[i]!;
    if (e.init) return undefined;
    const v = iterationVars(e).find((x) => iterVars.has(x));
    return v === undefined ? undefined : `loop over ${v}`;
  };
  const ops: { name: string; reads: Set<string>; writes: string[] }[] = [];
  const opOfKey = new Map<string, number>();
  const opOfTensor = new Map<string, number>();
  const pendingInits: number[] = [];
  c.einsums.forEach((e, i) => {
    if (e.init) return void pendingInits.push(i);
    const key = groupKey(i) ?? `einsum ${i}`;
    let o = opOfKey.get(key);
    if (o === undefined) {
      o = ops.length;
      opOfKey.set(key, o);
      ops.push({ name: groupKey(i) === undefined ? einsumName(c, i) : '', reads: new Set(), writes: [] });
    }
    const op = ops[o]!;
    for (const a of [...exprAccesses(e.expr), ...gatherAccesses(e.output)]) op.reads.add(a.tensor);
    const written = isGatherAccess(e.output) ? rowsOf(e.output.tensor) : e.output.tensor;
    if (!op.writes.includes(written)) op.writes.push(written);
    opOfTensor.set(written, o);
  });
  for (const i of pendingInits) {
    const e = c.einsums[i]!;
    const o = opOfTensor.get(e.output.tensor);
    if (o !== undefined) for (const a of exprAccesses(e.expr)) ops[o]!.reads.add(a.tensor);
  }
  const opList: OpGraph['ops'] = ops.map((o) => ({
    name: o.name || `loop(${o.writes.join(',')})`,
    inputs: [...o.reads].filter((n) => index.has(n) && !o.writes.includes(n)).map((n) => index.get(n)!),
    outputs: o.writes.map((n) => index.get(n)!),
  }));
  // keep the order topological: a loop operator sits after everything it reads
  const order = topoOrder(opList);
  return { name: opts.name ?? c.name ?? c.file ?? 'cascade', tensors, ops: order.map((i) => opList[i]!) };
}

function topoOrder(ops: OpGraph['ops']): number[] {
  const producer = new Map<number, number>();
  ops.forEach((o, i) => o.outputs.forEach((t) => producer.set(t, i)));
  const done = new Uint8Array(ops.length);
  const out: number[] = [];
  const visit = (i: number, depth: number) => {
    if (done[i] || depth > ops.length) return;
    done[i] = 1;
    for (const t of ops[i]!.inputs) {
      const p = producer.get(t);
      if (p !== undefined && p !== i) visit(p, depth + 1);
    }
    out.push(i);
  };
  ops.forEach((_, i) => visit(i, 0));
  return out;
}
