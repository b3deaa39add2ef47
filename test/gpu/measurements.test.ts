import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../compiler/driver/program';
import { loadMeasurements, MeasurementFileError, parseMeasurements } from '../../sim/gpu';

const SYNTHETIC = 'native/measurements/synthetic-h100-2026-11-22.json';
const good = JSON.parse(readFileSync(SYNTHETIC, 'utf8'));

describe('measurement file schema', () => {
  it('accepts the synthetic file', () => {
    const mf = parseMeasurements(JSON.stringify(good));
    expect(mf.records.length).toBeGreaterThan(150);
    expect(mf.provenance.synthetic).toBe(true);
    expect(mf.provenance.kind).toBe('synthetic');
  });
  it('accepts the published files as they are; a throughput becomes a time by the stated FLOP convention', () => {
    const mf = loadMeasurements('native/measurements/published/h100-flash-attention-3-fwd.json');
    expect(mf.provenance.kind).toBe('published');
    const r = mf.records.find((x) => x.id === 'flash-attention-3-fwd-full-s512-d64')!;
    // 333 TFLOP/s for 4 * 32 batches * 32 heads * 512 * 512 * 64 FLOPs
    expect(r.timeSeconds).toBeCloseTo((4 * 32 * 32 * 512 * 512 * 64) / 333e12, 15);
    expect(r.kind === 'attention' && r.kernel).toBe('fa3');
    const causal = mf.records.find((x) => x.id === 'flash-attention-3-fwd-causal-s512-d64')!;
    expect(causal.timeSeconds).toBeCloseTo((4 * 32 * 32 * 512 * 512 * 64) / 2 / 197e12, 15);
    const fb = loadMeasurements('native/measurements/published/a100-flash-attention-2-fwdbwd.json').records[0]!;
    // fwd+bwd = 3.5 x forward FLOPs: s512 d64, 132 TFLOP/s
    expect(fb.timeSeconds).toBeCloseTo((3.5 * 4 * 32 * 32 * 512 * 512 * 64) / 132e12, 15);
    const g = loadMeasurements('native/measurements/published/h100-vidur-llama2-7b-linear.json').records[0]!;
    expect(g).toMatchObject({ kind: 'gemm', m: 4096, n: 12288, k: 4096, timeSeconds: 0.000584, dtype: 'fp16' });
  });
  it('rejects a file with no provenance kind, a record with neither time nor throughput, an attention throughput with no FLOP convention', () => {
    const pub = JSON.parse(readFileSync('native/measurements/published/h100-flash-attention-3-fwd.json', 'utf8'));
    const noKind = structuredClone(pub);
    delete noKind.provenance.kind;
    expect(() => parseMeasurements(JSON.stringify(noKind), 'p.json')).toThrow(/p.json: provenance.kind must say what the data is: measured, published, synthetic \(it is missing\)/);
    const noTime = structuredClone(pub);
    delete noTime.records[2].tflops;
    expect(() => parseMeasurements(JSON.stringify(noTime), 'p.json')).toThrow(/record flash-attention-2-fwd-full-s2048-d64 has neither a time \(timeSeconds\) nor a throughput \(tflops\)/);
    const noConv = structuredClone(pub);
    delete noConv.provenance.flopConvention;
    expect(() => parseMeasurements(JSON.stringify(noConv), 'p.json')).toThrow(/states no FLOP convention/);
    const nativeNoKind = structuredClone(good);
    delete nativeNoKind.provenance.kind;
    expect(() => parseMeasurements(JSON.stringify(nativeNoKind), 'n.json')).toThrow(/provenance.kind must say/);
    const lying = structuredClone(good);
    lying.provenance.kind = 'measured';
    expect(() => parseMeasurements(JSON.stringify(lying), 'n.json')).toThrow(/kind is 'measured' but provenance.synthetic is true/);
  });
  it('rejects a file without provenance, saying what provenance must hold', () => {
    const { provenance: _p, ...rest } = good;
    expect(() => parseMeasurements(JSON.stringify(rest), 'x.json')).toThrow(/x.json: the measurement file has no "provenance" block/);
  });
  it('rejects malformed records with their path', () => {
    const bad = structuredClone(good);
    bad.records[3].timeSeconds = -1;
    expect(() => parseMeasurements(JSON.stringify(bad))).toThrow(/records\.3\.timeSeconds/);
    const bad2 = structuredClone(good);
    bad2.provenance.timing.timedRuns = 5;
    expect(() => parseMeasurements(JSON.stringify(bad2))).toThrow(/at least 20 runs/);
    const bad3 = structuredClone(good);
    delete bad3.provenance.gpu.driver;
    expect(() => parseMeasurements(JSON.stringify(bad3))).toThrow(/provenance\.gpu\.driver/);
  });
  it('rejects invalid JSON and duplicate ids', () => {
    expect(() => parseMeasurements('{"schema":', 'y.json')).toThrow(MeasurementFileError);
    const dup = structuredClone(good);
    dup.records.push(dup.records[0]);
    expect(() => parseMeasurements(JSON.stringify(dup))).toThrow(/appears twice/);
  });
});

describe('tessera validate gpu', () => {
  let out = '';
  let err = '';
  beforeEach(() => {
    out = '';
    err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    process.exitCode = undefined;
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });
  const dir = mkdtempSync(join(tmpdir(), 'tessera-gpu-'));

  it('exits 1 with a clear message on a file missing its provenance', async () => {
    const { provenance: _p, ...rest } = good;
    const f = join(dir, 'noprov.json');
    writeFileSync(f, JSON.stringify(rest));
    expect(await main(['validate', 'gpu', '--measurements', f])).toBe(1);
    expect(err).toMatch(/^error: .*no "provenance" block/);
    expect(err).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });
  it('exits 1 on malformed JSON and on a missing file', async () => {
    const f = join(dir, 'bad.json');
    writeFileSync(f, '{ not json');
    expect(await main(['validate', 'gpu', '--measurements', f])).toBe(1);
    expect(err).toMatch(/not valid JSON/);
    expect(await main(['validate', 'gpu', '--measurements', join(dir, 'absent.json')])).toBe(1);
    expect(err).toMatch(/cannot read measurement file/);
  });
  it('a file too small to split is a plain message and exit code 1', async () => {
    const small = structuredClone(good);
    small.records = small.records.filter((r: { kind: string }) => r.kind === 'gemm').slice(0, 1);
    const f = join(dir, 'small.json');
    writeFileSync(f, JSON.stringify(small));
    expect(await main(['validate', 'gpu', '--measurements', f, '--target', 'h100'])).toBe(1);
    expect(err).toMatch(/^error: .*too few records to split for held-out validation/);
    expect(err).not.toMatch(/internal error|at .*\.ts:\d+/);
  });
  it('bad published input exits 1 with a plain message', async () => {
    const pub = JSON.parse(readFileSync('native/measurements/published/h100-flash-attention-3-fwd.json', 'utf8'));
    delete pub.provenance.flopConvention;
    const f = join(dir, 'noconv.json');
    writeFileSync(f, JSON.stringify(pub));
    expect(await main(['validate', 'gpu', '--measurements', f])).toBe(1);
    expect(err).toMatch(/^error: .*no FLOP convention/);
    expect(await main(['calibrate', 'gpu', '--measurements', f])).toBe(1);
  });
  it('calibrate gpu writes a calibration that validate gpu --calibration reads', async () => {
    const calFile = join(dir, 'cal.json');
    const files = ['native/measurements/published/a100-vidur-llama2-7b-linear.json'];
    expect(await main(['calibrate', 'gpu', '--measurements', ...files, '-o', calFile])).toBe(0);
    const cal = JSON.parse(readFileSync(calFile, 'utf8'));
    expect(cal.schema).toBe('tessera-gpu-calibration/1');
    expect(cal.targets).toEqual(['a100-80gb']);
    expect(cal.measurements[0].kind).toBe('published');
    out = '';
    expect(await main(['validate', 'gpu', '--measurements', ...files, '--calibration', calFile, '--json'])).toBe(0);
    const rep = JSON.parse(out);
    expect(rep.paramsFrom).toMatch(/not refitted/);
    expect(rep.params).toEqual(cal.params);
  });
  it('prints model and roofline metrics, labelled synthetic, and writes the HTML report', async () => {
    const html = join(dir, 'r.html');
    expect(await main(['validate', 'gpu', '--measurements', SYNTHETIC, '--report', html])).toBe(0);
    expect(out).toMatch(/SYNTHETIC MEASUREMENTS/);
    expect(out).toMatch(/Tessera model\s+\d+\s+[\d.]+%/);
    expect(out).toMatch(/roofline\s+\d+\s+[\d.]+%/);
    expect(readFileSync(html, 'utf8')).toContain('<svg');
  });
  it('--json is the report', async () => {
    expect(await main(['validate', 'gpu', '--measurements', SYNTHETIC, '--json'])).toBe(0);
    const rep = JSON.parse(out);
    expect(rep.measurements.synthetic).toBe(true);
    expect(rep.heldOut.model.mape).toBeLessThan(rep.heldOut.roofline.mape);
  });
});
