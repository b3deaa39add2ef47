// FuseMax's 2D+1D pipeline (Nayak et al., MICRO 2024) as a dataflow plug-in, `attr fusion =
// pipeline`: the mapper's side builds the description and its analytic model
// (compiler/map/fused/pipeline.ts), the cycle side runs that description tile by tile
// (sim/spatial/attention-pipeline.ts simulateFusemax).
import { pipelineDataflow } from '../../compiler/map/fused';
import { simulateFusemax } from '../../sim/spatial';
import { registerDataflow } from './dataflows';

export const fusemaxDataflow = registerDataflow({
  name: 'pipeline',
  description: "FuseMax: the 1-pass cascade pipelined over M0 tiles, tile-local values in the 2D PEs' registers, running values on the 1D array",
  model: pipelineDataflow,
  cycle: simulateFusemax,
});
