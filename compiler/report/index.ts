// `tessera report` and `--report`: result JSON in, one self-contained HTML page out.
export { readReportInput, readAnyReportInput, classify, REPORT_KINDS, type ReportInput, type JsonReportInput, type ReportKind } from './inputs';
export { sweepSection, sweptParameters, parseParetoMetrics, PARETO_METRICS, type SweepDoc } from './sweep';
export { readSweepDoc, readSweepInput, isDuckDbFile, SWEEP_SCHEMA_VERSION } from './sweep-input';
export { reportHtml, type ReportMeta } from './page';
export { runSection, scheduleSection, validationSection, type Section } from './sections';
export type { Chart } from './charts';
