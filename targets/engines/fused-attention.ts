// The cycle engine of fused ops (kind 'fused'): the op's dataflow plug-in (targets/engines/
// dataflows.ts) runs the description the mapper built and costed (LoweredOp.fused). Busy PE-cycles
// are the work of the points actually visited (the same at both fidelities: the engine's tasks
// occupy whole arrays, which would overstate a tile that fills a few rows or columns); energy and
// the global buffer's accesses are the analytic model's count of the same tiles; DRAM bytes are the
// engine's.
import type { EngineContext, LoweredOp, OpEngine, OpRun } from './contract';
import { dataflowPlugin } from './dataflows';

export const fusedAttentionEngine: OpEngine = {
  name: 'fused-attention',
  kinds: ['fused'],
  cycle(op: LoweredOp, ctx: EngineContext): OpRun | string {
    const plugin = op.dataflow ? dataflowPlugin(op.dataflow) : undefined;
    if (!op.fused || !plugin) return `the group's shape is not one the ${op.dataflow ?? 'fused'} cycle engine knows`;
    let run;
    try {
      run = plugin.cycle(op.fused, { ...(ctx.trace ? { trace: ctx.trace } : {}), traceOffsetCycles: ctx.startCycle });
    } catch (e) {
      return `the ${plugin.name} cycle engine refused the group (${e instanceof Error ? e.message : String(e)})`;
    }
    const dram = op.fused.dram.name;
    const levels = Object.fromEntries(Object.entries(op.cost.traffic).map(([k, v]) => [k, { readBytes: v.readBytes, writeBytes: v.writeBytes }]));
    return {
      latencyCycles: run.totalCycles,
      stallCycles: run.dramStallCycles,
      busyPeCycles: op.cost.busyPeCycles,
      traffic: { ...levels, [dram]: { readBytes: run.dramReadBytes, writeBytes: run.dramWriteBytes } },
      unit: Object.keys(op.cost.busyPeCycles).join('+') || 'array',
    };
  },
};
