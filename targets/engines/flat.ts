// FLAT's row-block fusion (the FuseMax paper's baseline) as a dataflow plug-in, `attr fusion =
// rowblock`: the mapper's side builds the description and chooses the block size with its analytic
// model (compiler/map/fused/rowblock.ts), the cycle side runs the description block by block
// (sim/spatial/attention-pipeline.ts simulateFlat).
import { rowblockDataflow } from '../../compiler/map/fused';
import { simulateFlat } from '../../sim/spatial';
import { registerDataflow } from './dataflows';

export const flatDataflow = registerDataflow({
  name: 'rowblock',
  description: 'FLAT: a cascade fused over blocks of query rows, every pass kept on chip (or spilled), blocks pipelined on the 2D and 1D arrays',
  model: rowblockDataflow,
  cycle: simulateFlat,
});
