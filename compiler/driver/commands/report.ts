// `tessera report INPUT... -o report.html`: one self-contained HTML page (Vega-Lite charts inlined,
// works offline) from any JSON result Tessera writes: a run (`run --json`), a schedule
// (`schedule --json`) or a GPU validation (`validate gpu --json`). The header records the command,
// each input's SHA-256, the Tessera version and the date, so the page can be reproduced.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Cascade } from '../../ir';
import type { TargetSpec } from '../../../targets/spec/types';
import { readReportInput, reportHtml, runSection, scheduleSection, validationSection, type ReportInput, type Section } from '../../report';
import { loadCascadeFile } from '../../lang';
import { loadTargetSpec } from '../../../targets/registry';
import { writeOutput } from '../output';
import { tesseraVersion } from '../version';

/** A run's section; the roofline needs the cascade and the target, found from the Result when possible. */
function runInputSection(inp: ReportInput, id: string): Section {
  const r = inp.doc;
  try {
    const cascade = loadCascadeFile(String(r.workload));
    const spec = loadTargetSpec(String(r.target));
    return runSection(r, { cascade, spec }, id);
  } catch (e) {
    return runSection(r, { why: `could not load ${String(r.workload)} or target ${String(r.target)} (${e instanceof Error ? e.message.split('\n')[0] : String(e)})` }, id);
  }
}

export function sectionsFor(inputs: ReportInput[]): Section[] {
  return inputs.map((inp, i) => {
    const id = `r${i}`;
    if (inp.kind === 'run') return runInputSection(inp, id);
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

/** `schedule ... --report F`: the page for one schedule. */
export function reportSchedule(out: string, file: string, s: Record<string, unknown>, argv: string[]): void {
  writeReport(out, [scheduleSection(s, 'r0')], [{ path: file, sha256: fileSha256(file) }], argv);
}

export function register(program: Command): void {
  program
    .command('report')
    .description('draw results (run, schedule or validate gpu --json output) as one self-contained HTML page')
    .argument('<inputs...>', 'result JSON files')
    .requiredOption('-o, --output <file>', 'the HTML file to write')
    .action((files: string[], o: { output: string }) => {
      const inputs = files.map(readReportInput);
      writeReport(o.output, sectionsFor(inputs), inputs, ['report', ...files, '-o', o.output]);
      process.stdout.write(`wrote ${o.output}: ${inputs.map((i) => `${i.kind} ${i.path}`).join(', ')}\n`);
    });
}
