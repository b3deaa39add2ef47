// What an operator's translation sees: the emitter, the graph's tensors by ONNX name, the node's
// attributes, and a way to refuse (a UserError naming the node and its op).
import { UserError } from '../driver/user-error';
import type { DType } from '../ir';
import { Emitter, type ETensor, type Ix } from './emit';
import type { OnnxNode } from './onnx-proto';

export class ImportContext {
  readonly em = new Emitter();
  readonly tensors = new Map<string, ETensor>();

  constructor(
    readonly file: string,
    readonly opset: number,
  ) {}

  fail(node: OnnxNode, message: string): never {
    throw new UserError(`${this.file}: node '${node.name}' (${node.opType}): ${message}`);
  }

  input(node: OnnxNode, k: number, required = true): ETensor | undefined {
    const name = node.inputs[k];
    if (name === undefined || name === '') {
      if (required) this.fail(node, `input ${k + 1} is missing`);
      return undefined;
    }
    const t = this.tensors.get(name);
    if (!t) this.fail(node, `input '${name}' is not produced by any earlier node, input or initializer (the nodes must be in topological order)`);
    return t;
  }

  /** A new computed tensor for output k of the node (or a helper tensor with a suffix). */
  output(node: OnnxNode, k: number, shape: number[], dtype: DType, suffix = ''): ETensor {
    const onnx = node.outputs[k];
    if (onnx === undefined) this.fail(node, `has no output ${k + 1}`);
    const t: ETensor = { name: this.em.tensorName(onnx + suffix), shape, dtype, kind: 'computed' };
    if (!suffix) this.tensors.set(onnx, t);
    return t;
  }

  /** Output k of the node is the same tensor as `t` (Identity, a Reshape that changes nothing). */
  alias(node: OnnxNode, k: number, t: ETensor): void {
    this.tensors.set(node.outputs[k]!, t);
  }

  int(node: OnnxNode, name: string, fallback: number): number {
    return node.attrs.get(name)?.i ?? fallback;
  }

  float(node: OnnxNode, name: string, fallback: number): number {
    return node.attrs.get(name)?.f ?? fallback;
  }

  ints(node: OnnxNode, name: string): number[] | undefined {
    const a = node.attrs.get(name);
    return a ? a.ints : undefined;
  }

  str(node: OnnxNode, name: string, fallback: string): string {
    return node.attrs.get(name)?.s ?? fallback;
  }

  /** A constant input's values (an initializer or a Constant node's output). */
  constant(node: OnnxNode, k: number, what: string): Float64Array {
    const t = this.input(node, k)!;
    if (!t.values) this.fail(node, `${what} must be a constant (an initializer or a Constant node), not a computed tensor`);
    return t.values;
  }

  /** The ranks of a tensor's dimensions, declaring an unused input or weight over distinct ranks. */
  ranksOf(t: ETensor): string[] {
    if (!t.ranks) {
      const chosen: string[] = [];
      for (const s of t.shape) chosen.push(this.em.rankFor(s, chosen));
      this.em.declare(t, chosen);
    }
    return t.ranks!;
  }

  /** Reads `t` over its own ranks. */
  readAll(t: ETensor): string {
    return this.em.read(t, this.ranksOf(t).map((v) => ({ v })));
  }
}

/** A rank for each dimension that is distinct from those already chosen. */
export function distinct(em: Emitter, preferred: (string | undefined)[], sizes: number[], avoid: string[] = []): string[] {
  const out: string[] = [];
  preferred.forEach((p, i) => {
    const taken = [...avoid, ...out];
    out.push(p !== undefined && !taken.includes(p) && em.sizeOf(p) === sizes[i] ? p : em.rankFor(sizes[i]!, taken));
  });
  return out;
}

export type { Ix };
