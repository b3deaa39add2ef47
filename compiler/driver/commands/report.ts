// `tessera report INPUT... -o report.html`: one self-contained HTML page (Vega-Lite charts inlined,
// works offline) from any JSON result Tessera writes: a run (`run --json`), a schedule
// (`schedule --json`), a GPU validation (`validate gpu --json`) or a sweep database. The header records the command,
// each input's SHA-256, the Tessera version and the date, so the page can be reproduced.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Cascade } from '../../ir';
import type { TargetSpec } from '../../../targets/spec/types';
import { PARETO_METRICS, parseParetoMetrics, readAnyReportInput, readSweepInput, reportHtml, runSection, scheduleSection, sweepSection, validationSection, type JsonReportInput, type ReportInput, type Section } from '../../report';
import { loadCascadeFile } from '../../lang';
import { loadTargetSpec } from '../../../targets/registry';
import { writeOutput } from '../output';
import { tesseraVersion } from '../version';
import { UserError } from '../user-error';

/** A run's section; the roofline needs the cascade and the target, found from the Result when possible. */
function runInputSection(inp: JsonReportInput, id: string): Section {
  const r = inp.doc;
  try {
    const cascade = loadCascadeFile(String(r.workload));
    const spec = loadTargetSpec(String(r.target));
    return runSection(r, { cascade, spec }, id);
  } catch (e) {
    return runSection(r, { why: `could not load ${String(r.workload)} or target ${String(r.target)} (${e instanceof Error ? e.message.split('\n')[0] : String(e)})` }, id);
  }
}

export function sectionsFor(inputs: ReportInput[], o: { pareto?: string[] } = {}): Section[] {
  if (o.pareto && !inputs.some((i) => i.kind === 'sweep')) throw new UserError('--pareto draws a sweep\'s front, but no input is a sweep database');
  return inputs.map((inp, i) => {
    const id = `r${i}`;
    if (inp.kind === 'run') return runInputSection(inp, id);
    if (inp.kind === 'sweep') return sweepSection(inp.doc, id, o.pareto);
    if (inp.kind === 'schedule') return scheduleSection(inp.doc, id);
    return validationSection(inp.doc, id);
  });
}

/** Writes the report page for already-read inputs; used by `report` and by `--report` on other commands. */
export function writeReport(path: string, sections: Section[], inputs: { path: string; sha256: string }[], argv: string[]): void {
  const html = reportHtml(sections, { command: `tessera ${argv.join(' ')}`, inputs, version: tesseraVersion(), date: new Date().toISOString() });
  writeOutput(path, html);
}

/** The SHA-256 of an input file, for a report's header. */
export function fileSha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** `run --target ... --report F`: the page for one Result, with the roofline from the cascade and target in hand. */
export function reportRun(out: string, file: string, r: Record<string, unknown>, cascade: Cascade, spec: TargetSpec, argv: string[]): void {
  writeReport(out, [runSection(r, { cascade, spec }, 'r0')], [{ path: file, sha256: fileSha256(file) }], argv);
}

/** `sweep SPEC --db F --report P`: the page for the sweep database just written. */
export async function reportSweep(out: string, db: string, argv: string[]): Promise<void> {
  const inp = await readSweepInput(db);
  writeReport(out, [sweepSection(inp.doc, 'r0')], [inp], argv);
}

/** `validate gpu ... --report F`: the page for one validation, its measurement files as the inputs. */
export function reportValidation(out: string, v: Record<string, unknown>, files: string[], argv: string[]): void {
  writeReport(out, [validationSection(v, 'r0')], files.map((f) => ({ path: f, sha256: fileSha256(f) })), argv);
}

/** `schedule ... --report F`: the page for one schedule. */
export function reportSchedule(out: string, file: string, s: Record<string, unknown>, argv: string[]): void {
  writeReport(out, [scheduleSection(s, 'r0')], [{ path: file, sha256: fileSha256(file) }], argv);
}

export function register(program: Command): void {
  program
    .command('report')
    .description('draw results (run, schedule or validate gpu --json output, or a sweep database) as one self-contained HTML page')
    .argument('<inputs...>', 'result JSON files or sweep databases (.duckdb)')
    .requiredOption('-o, --output <file>', 'the HTML file to write')
    .option('--pareto <x,y[,z]>', `a sweep's Pareto metrics: two or three of ${PARETO_METRICS.join(', ')} (default latency,energy and area or on-chip bytes as the size)`)
    .option('--json', 'print what was drawn as JSON (docs/schema/report.schema.json)')
    .action(async (files: string[], o: { output: string; pareto?: string; json?: boolean }) => {
      const pareto = parseParetoMetrics(o.pareto);
      const inputs: ReportInput[] = [];
      for (const f of files) inputs.push(await readAnyReportInput(f));
      writeReport(o.output, sectionsFor(inputs, pareto ? { pareto } : {}), inputs, ['report', ...files, '-o', o.output, ...(o.pareto ? ['--pareto', o.pareto] : [])]);
      if (o.json) process.stdout.write(JSON.stringify({ output: o.output, inputs: inputs.map((i) => ({ path: i.path, kind: i.kind, sha256: i.sha256 })) }, null, 2) + '\n');
      else process.stdout.write(`wrote ${o.output}: ${inputs.map((i) => `${i.kind} ${i.path}`).join(', ')}\n`);
    });
}
