// npm run fuzz -- --format ein|arch|cfg|csv|config|measurements|all --count N --seed S [--timeout s] [--memory MiB] [--out DIR]
// Prints a table of outcomes per command and writes reproducers of every internal error, time-out and
// out-of-memory under --out. Exit 1 when any case was internal, timed out or ran out of memory.
import { Command } from 'commander';
import { formats } from './formats';
import { fuzzFormat, Runner, tally, type CaseResult } from './harness';
import { checkReproducers } from './reproducers';

const program = new Command('fuzz')
  .option('--format <f>', 'input format, or all', 'all')
  .option('--count <n>', 'mutants per format', '100')
  .option('--seed <s>', 'seed', '1')
  .option('--timeout <s>', 'seconds per case', '20')
  .option('--memory <mib>', 'heap limit per case', '2048')
  .option('--out <dir>', 'reproducers go here', 'fuzz-out')
  .option('--reproducers', 'run the known reproducers (issue 20) instead of mutants')
  .parse();
const o = program.opts<{ format: string; count: string; seed: string; timeout: string; memory: string; out: string; reproducers?: boolean }>();
if (o.reproducers) {
  const runner = new Runner(Number(o.memory));
  const rs = await checkReproducers((argv, ms) => runner.run(argv, ms));
  await runner.close();
  for (const r of rs) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${(r.ms / 1000).toFixed(2)} s  ${r.name}: ${r.why}`);
  console.log(`${rs.filter((r) => r.ok).length} of ${rs.length} hold`);
  process.exit(rs.every((r) => r.ok) ? 0 : 1);
}
const all = formats();
const chosen = o.format === 'all' ? all : all.filter((f) => f.name === o.format);
if (chosen.length === 0) {
  process.stderr.write(`error: unknown format '${o.format}'; one of: all, ${all.map((f) => f.name).join(', ')}\n`);
  process.exit(1);
}
const results: CaseResult[] = [];
const t0 = performance.now();
for (const f of chosen) {
  const rs = await fuzzFormat(f, { count: Number(o.count), seed: Number(o.seed), timeoutMs: Number(o.timeout) * 1000, memoryMb: Number(o.memory), outDir: o.out });
  results.push(...rs);
  const bad = rs.filter((r) => r.outcome !== 'ok' && r.outcome !== 'refused').length;
  process.stderr.write(`${f.name}: ${rs.length} runs of ${o.count} mutants, ${bad} bad\n`);
  for (const [k, row] of tally(rs)) process.stderr.write(`  ${k}: ok ${row.ok}, refused ${row.refused}, internal ${row.internal}, time-out ${row.timeout}, oom ${row.oom}\n`);
}
console.log('| format: command | ok | refused (exit 1) | internal | time-out | out of memory | slowest |');
console.log('|---|---|---|---|---|---|---|');
for (const [k, row] of tally(results)) {
  const slow = Math.max(...results.filter((r) => `${r.format}: ${r.command.join(' ')}` === k).map((r) => r.ms));
  console.log(`| ${k} | ${row.ok} | ${row.refused} | ${row.internal} | ${row.timeout} | ${row.oom} | ${(slow / 1000).toFixed(2)} s |`);
}
const bad = results.filter((r) => r.outcome === 'internal' || r.outcome === 'timeout' || r.outcome === 'oom');
console.log(`\n${results.length} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${bad.length} bad (reproducers in ${o.out}/)`);
for (const b of bad.slice(0, 40)) console.log(`- ${b.outcome} ${b.file} [${b.ops.join(', ')}] ${b.command.join(' ')}: ${b.message}`);
process.exitCode = bad.length > 0 ? 1 : 0;
