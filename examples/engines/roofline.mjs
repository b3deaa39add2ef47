// A new engine family in one file: a roofline model of contractions. An op's cycles are the larger of
// its MACs over the array's PEs and its DRAM bytes (the mapper's count for the op's tiles) over the
// DRAM's bytes per cycle. Registering it is the whole change: a target that says
// `attr engine = roofline` is simulated with it (targets/engines/contract.ts has the interface).
// Plain JavaScript, so the example ships as it is; run it through tsx, which loads Tessera's sources.
import { registerEngine } from '../../api/targets.ts';

/** @type {import('../../api/targets.ts').OpEngine} */
const roofline = {
  name: 'roofline-contraction',
  kinds: ['contraction'],
  cycle(op, ctx) {
    const unit = ctx.spec.computes.find((u) => u.name === op.units[0]);
    if (!unit?.rows || !unit.cols) return 'the roofline engine needs a 2D array';
    const dram = ctx.spec.memories.find((m) => m.kind === 'dram');
    if (!dram?.bandwidthBytesPerSecond) return 'the roofline engine needs a DRAM with a bandwidth';
    const macs = op.shape.sizes.reduce((a, b) => a * b, 1) * op.batch;
    const t = op.cost.traffic[dram.name] ?? { readBytes: 0, writeBytes: 0 };
    const bytesPerCycle = dram.bandwidthBytesPerSecond / ctx.spec.clockHz;
    const compute = Math.ceil(macs / (unit.rows * unit.cols));
    const memory = Math.ceil((t.readBytes + t.writeBytes) / bytesPerCycle);
    return { latencyCycles: Math.max(compute, memory), busyPeCycles: { [unit.name]: macs }, traffic: { [dram.name]: { readBytes: t.readBytes, writeBytes: t.writeBytes } } };
  },
};

export const rooflineFamily = registerEngine({
  name: 'roofline',
  description: 'roofline of each contraction (examples/engines/roofline.mjs)',
  unsupported: (spec) => (spec.computes.some((u) => u.rows && u.cols) ? null : 'it needs a 2D array'),
  ops: [roofline],
});
