import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../compiler/driver/program';
import { MeasurementFileError, parseMeasurements } from '../../sim/gpu';

const SYNTHETIC = 'native/measurements/synthetic-h100-2026-11-22.json';
const good = JSON.parse(readFileSync(SYNTHETIC, 'utf8'));

describe('measurement file schema', () => {
  it('accepts the synthetic file', () => {
    const mf = parseMeasurements(JSON.stringify(good));
    expect(mf.records.length).toBeGreaterThan(150);
    expect(mf.provenance.synthetic).toBe(true);
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
