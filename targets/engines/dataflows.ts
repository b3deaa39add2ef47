// Fused dataflows as plug-ins: FuseMax's 2D+1D pipeline and FLAT's row blocks. Each is one
// description (sim/spatial/attention-shape.ts FusedAttention) with two models derived from it:
//   - `model`: the mapper's side (compiler/map/fused/): recognise the cascade, build the
//     description, cost it analytically (the mapper searches its tiles with it);
//   - `cycle`: the cycle engine that runs the same description (sim/spatial/attention-pipeline.ts).
// A target selects them with `attr fusion = NAME` (or `auto`: every registered one, in order;
// `none`: no fusion). A new dataflow is a new file that calls `registerDataflow`, imported from
// targets/engines/index.ts; nothing in the mapper or the engines names one.
import type { FusedDataflowModel } from '../../compiler/map/fused/plugin';
import type { TraceWriter } from '../../sim/core/trace';
import type { AttentionRun, FusedAttention } from '../../sim/spatial';

export interface DataflowPlugin {
  /** the name `attr fusion = NAME` selects; also GroupMapping.kind and LoweredOp.dataflow */
  name: string;
  description: string;
  /** the analytic side, run by the mapper */
  model: FusedDataflowModel;
  /** the cycle-level side, on the description the mapper stored */
  cycle(d: FusedAttention, o: { trace?: TraceWriter; traceOffsetCycles?: number }): AttentionRun;
}

const dataflows: DataflowPlugin[] = [];

export function registerDataflow(d: DataflowPlugin): DataflowPlugin {
  const i = dataflows.findIndex((x) => x.name === d.name);
  if (i >= 0) dataflows[i] = d;
  else dataflows.push(d);
  return d;
}

export function dataflowPlugins(): readonly DataflowPlugin[] {
  return dataflows;
}

export function dataflowPlugin(name: string): DataflowPlugin | undefined {
  return dataflows.find((d) => d.name === name);
}
