// The overlay's special-function / vector unit (SFU), level 2: the cycles of one einsum that is not a GEMM
// (a norm's or softmax's reduction, an activation, RoPE, a residual add, a gather, a KV append) on `lanes`
// fp16 lanes. FlightLLM (FPGA 2024) says the SFU runs softmax and layer norm in fp16 and publishes nothing
// else about it, so the model is the simplest one its facts allow, every figure read from the .arch:
//  - every operator is fully pipelined: a point enters a lane each `ii` cycles, ii = the most uses of one
//    operator kind in a point (a point using exp twice needs the exp unit twice), at least 1;
//  - a point's pipeline depth is the sum of the depths of the operator kinds it chains (depth_<op>);
//  - the iteration space is O outputs x R reduced points. With O >= lanes each lane reduces whole outputs
//    (its accumulator takes one point a cycle: an exact fixed-point accumulator, Aggarwal et al. FPL 2024);
//    with O < lanes, g = min(R, floor(lanes / O)) lanes share an output, each reducing ceil(R / g) points,
//    and their g partials meet in an adder tree of ceil(log2 g) levels of depth_add each;
//  - outputs are issued in waves of floor(lanes / g) outputs, back to back:
//      cycles = ceil(O / floor(lanes / g)) x ceil(R / g) x ii + depth + ceil(log2 g) x depth_add.
// Level 3 (sfu-lanes.ts) steps every lane cycle by cycle and computes the values; they match exactly.

/** Operator kinds of the SFU, as the mapper counts them per point (compiler/map/hardware.ts OPS, less mac). */
export const SFU_OPS = ['mul', 'add', 'max', 'div', 'exp'] as const;
export type SfuOp = (typeof SFU_OPS)[number];

export interface SfuConfig {
  /** lanes across every core's SFU */
  lanes: number;
  /** pipeline depth of each operator kind, cycles */
  depth: Record<SfuOp, number>;
}

/** One einsum as the SFU sees it: O outputs of R reduced points each; uses of each operator kind per point. */
export interface SfuShape {
  outputs: number;
  reduced: number;
  uses: Record<SfuOp, number>;
}

/** Cycles between two points entering one lane: the most uses of one operator kind, at least 1. */
export function sfuInterval(s: SfuShape): number {
  let ii = 1;
  for (const o of SFU_OPS) ii = Math.max(ii, s.uses[o]);
  return ii;
}

/** A point's pipeline depth: the sum of the depths of the operator kinds it uses. */
export function sfuDepth(s: SfuShape, c: SfuConfig): number {
  let d = 0;
  for (const o of SFU_OPS) if (s.uses[o] > 0) d += c.depth[o];
  return d;
}

/** Lanes that share one output's reduction. */
export function sfuLanesPerOutput(s: SfuShape, c: SfuConfig): number {
  if (s.reduced <= 1 || s.outputs >= c.lanes) return 1;
  return Math.max(1, Math.min(s.reduced, Math.floor(c.lanes / s.outputs)));
}

export interface SfuCycles {
  cycles: number;
  /** lanes per output, waves of outputs, the streaming part, pipeline depth and the adder tree */
  share: number;
  waves: number;
  stream: number;
  depth: number;
  tree: number;
}

/** Level-2 cycles of one einsum on the SFU (closed form; see the header). */
export function sfuCycles(s: SfuShape, c: SfuConfig): SfuCycles {
  const g = sfuLanesPerOutput(s, c);
  const perWave = Math.floor(c.lanes / g);
  const waves = Math.ceil(s.outputs / perWave);
  const stream = waves * Math.ceil(s.reduced / g) * sfuInterval(s);
  const depth = sfuDepth(s, c);
  const tree = g > 1 ? Math.ceil(Math.log2(g)) * c.depth.add : 0;
  return { cycles: stream + depth + tree, share: g, waves, stream, depth, tree };
}
