// `tessera report` and `--report`: result JSON in, one self-contained HTML page out.
export { readReportInput, classify, REPORT_KINDS, type ReportInput, type ReportKind } from './inputs';
export { reportHtml, type ReportMeta } from './page';
export { runSection, scheduleSection, validationSection, type Section } from './sections';
export type { Chart } from './charts';
