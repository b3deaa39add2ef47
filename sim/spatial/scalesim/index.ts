export { parseScaleSimConfig, type ScaleSimConfig } from './config';
export { parseTopology, type TopologyLayer } from './topology';
export { systolicConfigFromScaleSim, systolicConfigFromSpec, scaleSimUnsupported, SCALESIM_WORD_BYTES, SCALESIM_SRAMS, FOLD_TIMINGS, type FoldTiming } from './run';
export { computeReportCsv, bandwidthReportCsv, layerFigures, pyFloat, type LayerFigures, type ReportArray } from './report';
export { scaleSimArch, scaleSimSpec, archTargetName, type ScaleSimTargetOptions } from './to-target';
export { scaleSimCascade, layerIdentifiers, type ScaleSimCascade } from './to-cascade';
