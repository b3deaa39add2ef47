// .arch language throughput: parse, print and round-trip the built-in targets, and parse one large
// generated target (many units) to show how checking scales. Prints one line per figure.
import { readFileSync } from 'node:fs';
import { builtinTargetFiles, parseTarget, printTarget } from '../targets/spec';

/** Wall and CPU time per call; on a shared machine the CPU time is the steadier figure. */
function time(label: string, reps: number, fn: () => void, per: string): void {
  fn(); // warm-up: compiles the grammar's memo tables and the JIT paths
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  const ms = (performance.now() - t0) / reps;
  const c = process.cpuUsage(c0);
  const cpuMs = (c.user + c.system) / 1000 / reps;
  console.log(`${label.padEnd(48)} wall ${ms.toFixed(1).padStart(8)} ms  cpu ${cpuMs.toFixed(1).padStart(8)} ms  ${per}`);
}

const files = builtinTargetFiles().map((f) => ({ path: f.path, text: readFileSync(f.path, 'utf8') }));
const totalBytes = files.reduce((s, f) => s + f.text.length, 0);
console.log(`built-in targets: ${files.length} files, ${totalBytes} characters`);
time('parse all built-in targets', 50, () => files.forEach((f) => parseTarget(f.text, f.path)), 'per pass (all files)');
const specs = files.map((f) => parseTarget(f.text, f.path).spec!);
time('print all built-in targets', 200, () => specs.forEach((s) => printTarget(s)), 'per pass (all files)');

// A target with N memories in a chain and N compute units: every check is linear in the file.
for (const n of [100, 400]) {
  const lines = [`target big "generated" {`, `  clock = 1 GHz`];
  for (let i = 0; i < n; i++) lines.push(`  memory M${i} : sram { capacity = ${i + 1} KiB; banks = 4; width = 64 bit; energy = 20 pJ/access; latency = 2 cycles }`);
  for (let i = 0; i < n; i++) lines.push(`  compute C${i} : array2d { rows = 16; cols = 16; dataflow = ws; ops = [mul, add]; mac_energy = 0.23 pJ }`);
  for (let i = 0; i + 1 < n; i++) lines.push(`  link M${i} -> M${i + 1}`);
  lines.push(`  link M${n - 1} -> { ${Array.from({ length: n }, (_, i) => `C${i}`).join(', ')} }`, '}');
  const text = lines.join('\n');
  const r = parseTarget(text, 'big.arch');
  if (r.diagnostics.length) throw new Error(r.diagnostics[0].message);
  time(`parse generated target, ${2 * n} units (${(text.length / 1024).toFixed(0)} KiB)`, n >= 400 ? 3 : 5, () => parseTarget(text, 'big.arch'), 'per parse');
}
