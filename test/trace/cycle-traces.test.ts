// Every cycle engine family writes a complete Perfetto trace: a process name, thread names, one slice per
// op (einsum, fused group, kernel) whose durations sum to the engine's latency (the oracle is the Result the
// engine returned, not the trace), and counter tracks of bandwidth per memory tier and utilisation per
// unit. A trace cut for size says so in the file and in the notice the driver prints on stderr.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulateCascade } from '../../compiler/driver/pipeline';
import { loadCascadeFile } from '../../compiler/lang';
import type { Result } from '../../sim/core/result';
import { bandwidthCounter, occupancyCounter, opTrack, TraceWriter, utilisationCounter } from '../../sim/core/trace';
import { loadTarget } from '../../targets/registry';
import { runCli } from '../helpers/cli';

const root = join(import.meta.dirname, '../..');
const ex = (f: string) => join(root, 'examples', f);

type Ev = { name: string; ph: string; cat: string; ts: number; dur?: number; tid: number; args?: Record<string, number | string> };
type TraceJson = { traceEvents: Ev[]; otherData: Record<string, unknown> };

/** What a test reads back from the trace file's JSON text. */
function parse(text: string) {
  const j = JSON.parse(text) as TraceJson;
  const ev = j.traceEvents;
  const opSlices = ev.filter((e) => e.ph === 'X' && / ops$/.test(e.cat));
  return {
    j,
    processName: ev.find((e) => e.ph === 'M' && e.name === 'process_name')?.args?.name,
    threads: ev.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args!.name as string),
    opSlices,
    counters: new Set(ev.filter((e) => e.ph === 'C').map((e) => e.name)),
    counterSamples: (name: string) => ev.filter((e) => e.ph === 'C' && e.name === name),
  };
}

/** The checks every family's trace passes. */
function checkComplete(r: Result, text: string, units: string[], builtin = true) {
  const t = parse(text);
  expect(t.processName).toContain(r.target);
  expect(t.j.otherData.truncated).toBe(false);
  // one op slice per einsum of the Result (a fused group is one op), on its unit's named thread
  expect(t.opSlices.length).toBeGreaterThan(0);
  expect(t.opSlices.length).toBeLessThanOrEqual(r.einsums.length);
  for (const s of t.opSlices) expect(t.threads).toContain(s.cat);
  // the durations (cycles, exactly, in args) sum to the engine's latency; no two slices of a unit overlap
  expect(t.opSlices.reduce((a, s) => a + Number(s.args!.cycles), 0)).toBe(r.latencyCycles);
  for (const track of new Set(t.opSlices.map((s) => s.cat))) {
    const on = t.opSlices.filter((s) => s.cat === track).sort((a, b) => Number(a.args!.startCycle) - Number(b.args!.startCycle));
    for (let i = 1; i < on.length; i++) expect(Number(on[i]!.args!.startCycle)).toBeGreaterThanOrEqual(Number(on[i - 1]!.args!.endCycle));
  }
  // a bandwidth counter for every tier the Result moved bytes through, a utilisation counter per unit
  for (const [tier, b] of Object.entries(r.traffic)) if (b.readBytes + b.writeBytes > 0) expect(t.counters).toContain(bandwidthCounter(tier));
  for (const u of units) expect(t.counters).toContain(utilisationCounter(u));
  // the bandwidth samples integrate back to the Result's bytes per tier (bytes/cycle x cycles held)
  for (const [tier, b] of Object.entries(r.traffic)) {
    const samples = t.counterSamples(bandwidthCounter(tier)).sort((a, b2) => a.ts - b2.ts);
    let read = 0;
    for (let i = 0; i + 1 < samples.length; i++) read += Number(samples[i]!.args!.read) * (samples[i + 1]!.ts - samples[i]!.ts);
    const scale = r.latencyCycles / (t.opSlices.reduce((a, s) => a + s.dur!, 0) || 1); // µs back to cycles
    expect(Math.abs(read * scale - b.readBytes)).toBeLessThanOrEqual(Math.max(1, 1e-6 * b.readBytes) * t.opSlices.length);
  }
  // an occupancy never exceeds what the tier holds (all its instances)
  for (const m of builtin ? loadTarget(r.target).spec.memories : []) {
    for (const s of t.counterSamples(occupancyCounter(m.name))) expect(Number(s.args!.bytes)).toBeLessThanOrEqual((m.capacityBytes ?? Infinity) * (m.instances ?? 1));
  }
  // utilisation is a fraction
  for (const u of units) for (const s of t.counterSamples(utilisationCounter(u))) expect(Number(s.args!.busy)).toBeGreaterThanOrEqual(0), expect(Number(s.args!.busy)).toBeLessThanOrEqual(1);
  return t;
}

const cases: { family: string; target: string; file: string; units: string[]; minOps: number }[] = [
  { family: 'spatial (tpu-v1)', target: 'tpu-v1', file: 'gemm/gemm.ein', units: ['MXU'], minOps: 1 },
  { family: 'spatial (systolic)', target: 'systolic', file: 'gemm/gemm.ein', units: ['PE'], minOps: 1 },
  { family: 'spatial (eyeriss-like)', target: 'eyeriss-like', file: 'gemm/gemm.ein', units: ['PE'], minOps: 1 },
  { family: 'fused dataflow (fusemax)', target: 'fusemax', file: 'attention/attention-1pass.ein', units: ['PE2D', 'PE1D'], minOps: 1 },
  { family: 'fused dataflow (flat)', target: 'flat', file: 'attention/attention-1pass.ein', units: ['PE2D', 'PE1D'], minOps: 15 },
  { family: 'gpu (h100)', target: 'h100', file: 'schedule/block.ein', units: ['SM'], minOps: 24 },
  { family: 'gpu (a100)', target: 'a100', file: 'schedule/block.ein', units: ['SM'], minOps: 24 },
  { family: 'dataflow (sn40l)', target: 'sn40l', file: 'sn40l-coe/coe.ein', units: ['PCU'], minOps: 8 },
  { family: 'lut', target: 'lut-tc', file: 'lut-tc/ffn.ein', units: ['LTC', 'SM'], minOps: 6 },
  { family: 'fpga overlay (u280)', target: 'u280', file: 'fpga/gemv.ein', units: ['MPE'], minOps: 1 },
];

describe('cycle traces: every engine family', () => {
  for (const c of cases) {
    it(`${c.family}: names, op slices summing to the Result's cycles, bandwidth and utilisation counters`, () => {
      const trace = new TraceWriter();
      const r = simulateCascade(loadCascadeFile(ex(c.file)), { target: c.target, fidelity: 'cycle', trace });
      const t = checkComplete(r, trace.text(), c.units);
      expect(t.opSlices.length).toBeGreaterThanOrEqual(c.minOps);
      expect(t.threads).toContain(opTrack(r.einsums[0]!.unit));
    });
  }

  it('the occupancy of tpu-v1\'s Unified Buffer during the GEMM: A, B and Z held whole', () => {
    const trace = new TraceWriter();
    simulateCascade(loadCascadeFile(ex('gemm/gemm.ein')), { target: 'tpu-v1', fidelity: 'cycle', trace });
    const occ = parse(trace.text()).counterSamples(occupancyCounter('UB')).map((e) => Number(e.args!.bytes));
    // A[64,80] bf16 + B[80,48] bf16 + Z[64,48] fp32 = 10,240 + 7,680 + 12,288 bytes; zero once the op ends
    expect(occ).toEqual([64 * 80 * 2 + 80 * 48 * 2 + 64 * 48 * 4, 0]);
  });

  it('`run --trace` on tpu-v1 and h100 writes that trace (the two the issue found one span and empty)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-trace-'));
    for (const target of ['tpu-v1', 'h100']) {
      const file = join(dir, `${target}.json`);
      const run = await runCli(['run', ex('gemm/gemm.ein'), '--target', target, '--fidelity', 'cycle', '--trace', file, '--json']);
      expect(run.code).toBe(0);
      const r = JSON.parse(run.out) as Result;
      checkComplete(r, readFileSync(file, 'utf8'), [target === 'h100' ? 'SM' : 'MXU']);
    }
  });

  it('the SCALE-Sim engine (scalesim --trace): folds and op slices, cycles as its total', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-trace-'));
    const file = join(dir, 'scalesim.json');
    const run = await runCli(['scalesim', '--config', ex('scalesim/ws32.cfg'), '--topology', ex('scalesim/layers.csv'), '--outdir', dir, '--trace', file, '--json']);
    expect(run.code).toBe(0);
    const r = JSON.parse(run.out) as Result;
    const t = checkComplete(r, readFileSync(file, 'utf8'), Object.keys(r.utilization), false); // a .cfg machine, not built in
    expect(t.opSlices.length).toBe(r.einsums.length);
    expect(t.j.traceEvents.some((e) => e.ph === 'X' && /fold/.test(e.name))).toBe(true);
  });
});

describe('a trace cut for size', () => {
  it('keeps the first maxEvents events and says so in the file and in the stderr notice', () => {
    const full = new TraceWriter();
    simulateCascade(loadCascadeFile(ex('schedule/block.ein')), { target: 'h100', fidelity: 'cycle', trace: full });
    const total = full.eventCount;
    const cut = new TraceWriter({ maxEvents: 40 });
    simulateCascade(loadCascadeFile(ex('schedule/block.ein')), { target: 'h100', fidelity: 'cycle', trace: cut });
    const j = JSON.parse(cut.text()) as TraceJson;
    expect(j.otherData.truncated).toBe(true);
    // closing samples of the counters come at the end, after the cut, so they are dropped too
    expect(Number(j.otherData.droppedEvents)).toBeGreaterThanOrEqual(total - 40);
    expect(String(j.otherData.note)).toMatch(/cut for size: the first 40 events are kept/);
    expect(j.traceEvents.filter((e) => e.ph !== 'M').length).toBeLessThanOrEqual(40 * 2); // a flow is 2 records
    expect(cut.truncationNotice('t.json')).toMatch(/^warning: trace t\.json cut for size: kept the first 40 events, dropped \d+/);
    expect(full.truncationNotice('t.json')).toBeUndefined();
  });
});
