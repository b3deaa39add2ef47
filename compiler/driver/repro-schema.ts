// `repro fusemax|flightllm|lut-tc|cosma --json`: each reproduction's document, ours beside the paper's
// figures (docs/schema/repro-*.schema.json).
import { z } from 'zod';

const num = z.number();
/** one figure of ours beside the paper's, with the relative error */
const Figure = z.object({ figure: z.string(), ours: num, paper: num, relErr: num, note: z.string().optional() });

export const ReproFusemaxSchema = z.object({
  rows: z.array(
    z.object({
      model: z.string(),
      seq: z.string(),
      tokens: z.number().int().positive(),
      fusemaxSeconds: num,
      flatSeconds: num,
      speedup: num,
      energyRatio: num,
      fusemaxUtil2d: num,
      flatUtil2d: num,
      fusemaxUtil1d: num,
      flatUtil1d: num,
      paper: z.object({ speedup: num, energyRatio: num, fusemaxUtil2d: num, flatUtil2d: num }).partial(),
    }),
  ),
  meanSpeedup: num,
  meanEnergyRatio: num,
  paper: z.object({ meanSpeedup: num, meanEnergyRatio: num, source: z.string() }),
  bert1k: z.object({ flatUtil2d: num, fusemaxUtil2d: num }),
});

const OursPaper = z.object({ ours: num, paper: num, relError: num });
const LogicCost = z.object({ lut: num, ff: num });
const FlightllmLogicPart = z.object({ name: z.string(), instances: num, each: LogicCost, lut: num, ff: num, basis: z.string() });
const FlightllmBuffer = z.object({ name: z.string(), banksPerCore: z.number().int(), widthBits: z.number().int(), depth: z.number().int(), ram: z.enum(['URAM', 'BRAM36']), blocksPerBank: num, total: num });
export const ReproFlightllmSchema = z.object({
  /** paper: one figure, or [low, high] where the paper gives a range */
  tokensPerSecond: z.array(z.object({ target: z.string(), prefill: z.number().int(), decode: z.number().int(), ours: num, paper: z.union([num, z.tuple([num, num])]), relError: num })),
  hbmUtilisation: z.object({ off: num, on: num, paper: z.object({ off: num, on: num }) }),
  sparseChainGain: OursPaper,
  dsp: OursPaper.extend({ note: z.string() }),
  energyPerToken: z.array(z.object({ target: z.string(), joules: num.nullable(), powerW: num.nullable(), dynamicJoules: num, paperJoules: num.nullable(), note: z.string() })),
  /** the on-chip RAM FlightLLM's buffers need beside the paper's Table 3 (compiler/driver/commands/repro-flightllm-resources.ts) */
  resources: z.object({
    u280: z.object({
      cores: z.number().int(),
      buffers: z.array(FlightllmBuffer),
      rows: z.array(z.object({ resource: z.enum(['uram', 'bram36', 'lut', 'ff']), overlay: num.nullable(), shell: num, total: num.nullable(), device: num, paper: num, relError: num.nullable() })),
      /** the fabric logic, component by component (sim/fpga/logic.ts) */
      logic: z.array(FlightllmLogicPart),
      /** the parts whose LUT/FF are not counted (no sourced per-unit cost) */
      logicNotCounted: z.array(z.string()),
      notes: z.array(z.string()),
    }),
    vhk158: z.object({
      cores: z.number().int(),
      /** the INT8 MACs of one core's matrix engine (the .arch's dsp unit) */
      macsPerCore: z.number().int(),
      buffers: z.array(FlightllmBuffer),
      uram: num,
      bram36: num,
      dsp58: z.number().int(),
      /** the XCVH1582's totals (targets/vhk158/vhk158.arch, with its source) */
      totals: z.object({ uram: num, bram36: num, dsp58: num }),
      fits: z.boolean(),
      /** 'fits', or the fit check's refusal naming the resource */
      verdict: z.string(),
      note: z.string(),
    }),
  }),
  assumptions: z.object({
    weightBits: num,
    weightBitsSource: z.string(),
    sparsity: z.object({ n: z.number().int(), m: z.number().int() }),
    sparsitySource: z.string(),
    kvBits: num,
    kvBitsSource: z.string(),
    actBits: num,
  }),
});

const LutDesign = z.object({ act: z.string(), wbits: z.number().int(), m: z.number().int(), n: z.number().int(), k: z.number().int(), areaUm2: num });
export const ReproLutSchema = z.object({
  source: z.string(),
  unit: z.array(Figure),
  table1: z.array(z.object({ name: z.string(), peakT: Figure, areaPerSmMm2: Figure, densityPerMm2: Figure })),
  headline: z.array(Figure),
  precompute: z.array(Figure),
  endToEnd: z.array(Figure),
  sweepBest: z.array(LutDesign),
  sweepWhy: z.array(LutDesign.extend({ powerMw: num, tableUm2: num, muxUm2: num, accUm2: num })),
  llamaDecode: z.object({
    baseline: z.object({ latencyMs: num, energyMj: num }),
    rows: z.array(z.object({ wbits: z.number().int(), speedup: num, latencyMs: num, energyRatio: num, energyMj: num, split: z.record(z.string(), num), einsumsOnLut: z.number().int().nonnegative() })),
  }),
  sideBySide: z.object({
    gemm: z.string(),
    rows: z.array(z.object({ kind: z.string(), wbits: z.number().int().optional(), tile: z.string(), cycles: num, tflopsPerMm2: num, topsPerWatt: num, areaUm2: num })),
  }),
});

const Budget = z.enum(['MR', 'MH', 'MP']);
const PaperFigure = z.object({ value: z.union([num, z.array(num)]), note: z.string().optional() });
const bySolver = <T extends z.ZodType>(t: T) => z.record(z.string(), t);
export const ReproCosmaSchema = z.object({
  paper: z.object({ source: z.string() }).catchall(PaperFigure),
  rows: z.array(
    z.object({
      family: z.string(),
      graph: z.string(),
      params: z.boolean(),
      budget: Budget,
      budgetBytes: num,
      ops: z.number().int().positive(),
      order: z.enum(['free', 'fixed']),
      /** non-compulsory bytes of the ILP schedule, per solver */
      ilpBytes: bySolver(num),
      status: bySolver(z.string()),
      gap: bySolver(num.nullable()),
      baselineBytes: z.record(z.string(), num.nullable()),
      bestBaseline: z.string().nullable(),
      bestBaselineBytes: num.nullable(),
      reduction: num.nullable(),
    }),
  ),
  summary: z.array(z.object({ budget: Budget, instances: z.number().int(), meanReduction: num.nullable(), aggregateReduction: num.nullable(), zeroTrafficInstances: z.number().int() })),
  divideAndConquer: z.array(z.object({ graph: z.string(), ops: z.number().int(), budget: z.string(), nonCompulsoryBytes: num, baselineBytes: num.nullable(), windows: z.number().int() })),
  /** only with --timings (they differ from run to run) */
  timings: z.object({ meanSolveSeconds: num, divideSeconds: z.array(num) }).optional(),
});
