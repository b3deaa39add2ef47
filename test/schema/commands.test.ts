// Every command has --json, and what each prints validates against its committed JSON Schema
// (docs/schema/<kind>.schema.json, checked with ajv, an implementation independent of zod). Errors
// under --json are the diagnostics document on stdout with exit code 1.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../compiler/driver/program';
import { OUTPUT_SCHEMAS } from '../../compiler/driver/output-schemas';
import { runCli } from '../helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'tessera-json-'));
const ajv = new Ajv2020({ allErrors: true, strict: false });
const validators = new Map<string, ReturnType<typeof ajv.compile>>();

/** Validates a document against docs/schema/<kind>.schema.json; returns ajv's errors (empty when valid). */
function check(kind: string, doc: unknown): string[] {
  if (!validators.has(kind)) validators.set(kind, ajv.compile(JSON.parse(readFileSync(`docs/schema/${kind}.schema.json`, 'utf8'))));
  const v = validators.get(kind)!;
  return v(doc) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** Runs a command with --json, expects exit 0 and a document of `kind`; returns the document. */
async function jsonOk(kind: string, args: string[]): Promise<Record<string, unknown>> {
  const r = await runCli([...args, '--json']);
  expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
  const doc = JSON.parse(r.out) as Record<string, unknown>;
  expect(check(kind, doc), `${args.join(' ')} against ${kind}.schema.json`).toEqual([]);
  return doc;
}

/** Every leaf command of the CLI, as its full name ("sweep export"). */
function leaves(c: Command, prefix: string[] = []): { name: string[]; cmd: Command }[] {
  return c.commands.flatMap((s) => (s.commands.length ? leaves(s, [...prefix, s.name()]) : [{ name: [...prefix, s.name()], cmd: s }]));
}

describe('--json on every command', () => {
  it('every command and subcommand takes --json', async () => {
    const program = await buildProgram();
    const all = leaves(program);
    expect(all.length).toBeGreaterThan(20);
    const without = all.filter((l) => !l.cmd.options.some((o) => o.long === '--json')).map((l) => l.name.join(' '));
    expect(without).toEqual([]);
  });

  it('an error under --json is the diagnostics document on stdout, exit code 1', async () => {
    const cases = [
      ['run', join(dir, 'missing.ein'), '--target', 'systolic'],
      ['lower', '--model', join(dir, 'missing.json')],
      ['report', 'package.json', '-o', join(dir, 'x.html')],
      ['targets', 'no-such-target'],
      ['sweep', 'pareto', '--db', join(dir, 'missing.duckdb'), '--x', 'latency', '--y', 'energy'],
      ['run', 'examples/gemm/gemm.ein', '--no-such-flag'], // a usage error, reported by commander
    ];
    for (const args of cases) {
      const r = await runCli([...args, '--json']);
      expect(r.code, args.join(' ')).toBe(1);
      const doc = JSON.parse(r.out) as { diagnostics: { severity: string; message: string }[] };
      expect(check('diagnostics', doc), args.join(' ')).toEqual([]);
      expect(doc.diagnostics[0]!.severity).toBe('error');
      expect(r.err).toContain(doc.diagnostics[0]!.message.split('\n')[0]); // the same message a person reads
    }
  });
});

describe('each --json output validates against its schema', () => {
  it('run (interpreter and target), scalesim, targets, check .arch', async () => {
    const i = await jsonOk('interpreter', ['run', 'examples/gemm/gemm.ein']);
    expect(i.engine).toBe('interpreter');
    await jsonOk('result', ['run', 'examples/gemm/gemm.ein', '--target', 'systolic']);
    await jsonOk('result', ['scalesim', '--target', 'systolic', '--topology', 'examples/scalesim/layers.csv', '--outdir', join(dir, 'ss')]);
    const all = (await jsonOk('targets', ['targets'])) as unknown as unknown[];
    expect(all.length).toBeGreaterThan(10);
    expect((await jsonOk('target', ['targets', 'h100'])).name).toBe('h100');
    await jsonOk('target', ['check', 'examples/dse/design.arch']);
    const both = (await jsonOk('check', ['check', 'examples/gemm/gemm.ein', 'examples/dse/design.arch'])) as unknown as { name: string }[];
    expect(both.length).toBe(2);
    expect(both[1]).toEqual(await jsonOk('target', ['check', 'examples/dse/design.arch'])); // the same document as alone
    const bad = await runCli(['check', 'examples/gemm/gemm.ein', 'examples/language/softmax-mistakes.ein', '--json']);
    expect(bad.code).toBe(1);
    expect(check('diagnostics', JSON.parse(bad.out))).toEqual([]); // one document: the errors
  }, 120_000);

  it('lower, import, demo, report', async () => {
    const ein = join(dir, 'l.ein');
    const l = await jsonOk('lower', ['lower', '--model', 'data/models/llama-2-7b.json', '--phase', 'decode', '--kv', '16', '--layers', '1', '-o', ein]);
    const a = JSON.parse((await runCli(['analyze', ein, '--json'])).out) as { einsums: unknown[]; tensors: unknown[] };
    expect([l.einsums, l.tensors]).toEqual([a.einsums.length, a.tensors.length]); // counted by analyze, from the file written
    expect(l.ein).toBeNull();
    const inline = await jsonOk('lower', ['lower', '--model', 'data/models/llama-2-7b.json', '--phase', 'decode', '--kv', '16', '--layers', '1']);
    expect(inline.ein).toBe(readFileSync(ein, 'utf8')); // the same cascade, in the document instead of a file
    const imp = await jsonOk('import', ['import', 'test/fixtures/onnx/mlp.onnx']);
    expect(imp.weights).toBeGreaterThan(0);
    const d = await jsonOk('demo', ['demo']);
    expect((d.variants as { passes: number }[]).map((v) => v.passes)).toEqual([3, 2, 1]);
    const run = join(dir, 'run.json');
    writeFileSync(run, (await runCli(['run', 'examples/gemm/gemm.ein', '--target', 'systolic', '--json'])).out);
    const rep = await jsonOk('report', ['report', run, '-o', join(dir, 'r.html')]);
    expect((rep.inputs as { kind: string }[])[0]!.kind).toBe('run');
  }, 120_000);

  it('validate gpu, calibrate gpu, validate wgsl (or its diagnostics where no WebGPU adapter exists)', async () => {
    const m = 'native/measurements/published/h100-vidur-llama2-7b-linear.json';
    await jsonOk('validation', ['validate', 'gpu', '--measurements', m]);
    await jsonOk('calibration', ['calibrate', 'gpu', '--measurements', m, '-o', join(dir, 'cal.json')]);
    const w = await runCli(['validate', 'wgsl', 'examples/gemm/gemm.ein', '--json']);
    expect(check(w.code === 0 ? 'wgsl' : 'diagnostics', JSON.parse(w.out)), w.err).toEqual([]);
    expect([0, 1]).toContain(w.code);
  }, 120_000);

  it('repro fusemax, flightllm, lut-tc and cosma --quick', async () => {
    await jsonOk('repro-fusemax', ['repro', 'fusemax']);
    await jsonOk('repro-flightllm', ['repro', 'flightllm']);
    await jsonOk('repro-lut-tc', ['repro', 'lut-tc']);
    await jsonOk('repro-cosma', ['repro', 'cosma', '--quick']);
  }, 180_000);

  it('sweep run, export, merge, pareto and slurm', async () => {
    const spec = join(dir, 'small.yaml');
    writeFileSync(spec, ['name: small', `targets: [${resolve('examples/dse/design.arch')}]`, `workloads: [${resolve('examples/dse/gemm.ein')}]`, 'parameters:', '  rows: [8, 16]', '  dataflow: [os, ws]', 'fidelity: analytic'].join('\n') + '\n');
    const db = join(dir, 's.duckdb');
    const s = await jsonOk('sweep-run', ['sweep', spec, '--db', db, '--workers', '1', '--report', join(dir, 's.html')]);
    expect(s).toMatchObject({ total: 4, evaluated: 4, byStatus: { ok: 4 } });
    expect((await jsonOk('sweep-export', ['sweep', 'export', '--db', db, '--csv', join(dir, 's.csv')])).points).toBe(4);
    expect((await jsonOk('sweep-merge', ['sweep', 'merge', '--db', join(dir, 'm.duckdb'), db])).added).toBe(4);
    const front = (await jsonOk('sweep-pareto', ['sweep', 'pareto', '--db', db, '--x', 'latency', '--y', 'energy'])) as unknown as unknown[];
    expect(front.length).toBeGreaterThan(0);
    expect((await jsonOk('sweep-slurm', ['sweep', 'slurm', spec, '--shards', '2', '--out', join(dir, 'shards')])).script).toMatch(/#SBATCH/);
  }, 120_000);
});

describe('docs/schema', () => {
  it('names every schema in its README table', () => {
    const readme = readFileSync('docs/schema/README.md', 'utf8');
    for (const kind of Object.keys(OUTPUT_SCHEMAS)) expect(readme, kind).toContain(`\`${kind}.schema.json\``);
  });
});
