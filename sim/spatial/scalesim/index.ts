export { parseScaleSimConfig, type ScaleSimConfig } from './config';
export { parseTopology, type TopologyLayer } from './topology';
export { runScaleSim, computeReportCsv, bandwidthReportCsv, systolicConfigFromScaleSim, SCALESIM_WORD_BYTES, type ScaleSimRun } from './run';
