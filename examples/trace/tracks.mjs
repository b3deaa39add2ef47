// What a Tessera trace holds, in a few lines: the process, each thread (track) with its slice count, each
// counter track with its series and largest sample, the op slices' cycles summed, and whether the trace
// was cut. Usage: node examples/trace/tracks.mjs TRACE.json
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The lines describing a trace's JSON text. */
export function describeTrace(text) {
  const { traceEvents: ev, otherData } = JSON.parse(text);
  const threads = new Map(ev.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [e.tid, e.args.name]));
  const out = [`process: ${ev.find((e) => e.ph === 'M' && e.name === 'process_name').args.name}`];
  for (const [tid, name] of threads) out.push(`  track ${name}: ${ev.filter((e) => e.ph === 'X' && e.tid === tid).length} slices`);
  const counters = new Map();
  for (const e of ev.filter((x) => x.ph === 'C')) {
    const c = counters.get(e.name) ?? { series: new Set(), max: 0 };
    for (const [k, v] of Object.entries(e.args)) c.series.add(k), (c.max = Math.max(c.max, v));
    counters.set(e.name, c);
  }
  for (const [name, c] of counters) out.push(`  counter ${name}: ${[...c.series].join(', ')}; largest ${Number.isInteger(c.max) ? c.max : Number(c.max.toPrecision(4))}`);
  const ops = ev.filter((e) => e.ph === 'X' && / ops$/.test(e.cat));
  if (ops.length) out.push(`  ${ops.length} op slices, ${ops.reduce((a, e) => a + e.args.cycles, 0)} cycles in all`);
  const flows = ev.filter((e) => e.ph === 's').length;
  if (flows) out.push(`  ${flows} flow arrows`);
  out.push(otherData.truncated ? `  cut for size: ${otherData.droppedEvents} events dropped` : '  complete (not cut)');
  return out.join('\n') + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(describeTrace(readFileSync(process.argv[2], 'utf8')));
