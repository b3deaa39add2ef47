// Which measurements a GPU target is calibrated on by default: the newest real measurement file
// for that GPU in native/measurements, else the synthetic one (and then every Result says so).
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { calibrate } from './calibrate';
import type { GpuHardware } from './hardware';
import { loadMeasurements, type MeasurementFile } from './measurements';
import type { GpuModelParams } from './model';

export const MEASUREMENTS_DIR = resolve(import.meta.dirname, '../../native/measurements');

export interface DefaultCalibration {
  params: GpuModelParams;
  file: string;
  synthetic: boolean;
  /** to carry into Result.warnings */
  warnings: string[];
}

const cache = new Map<string, DefaultCalibration>();

/** Measurement files for a GPU (by the slug in their name: h100-2026-11-22.json), newest last. */
export function measurementFilesFor(gpu: string, dir = MEASUREMENTS_DIR): { real: string[]; synthetic: string[] } {
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return { real: [], synthetic: [] };
  }
  return {
    real: names.filter((n) => n.startsWith(`${gpu}-`)).map((n) => join(dir, n)),
    synthetic: names.filter((n) => n.startsWith(`synthetic-${gpu}-`)).map((n) => join(dir, n)),
  };
}

export function defaultCalibration(gpu: string, hw: GpuHardware, dir = MEASUREMENTS_DIR): DefaultCalibration | null {
  const key = `${gpu}@${dir}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const files = measurementFilesFor(gpu, dir);
  const file = files.real.at(-1) ?? files.synthetic.at(-1);
  if (!file) return null;
  const mf: MeasurementFile = loadMeasurements(file);
  const usable = mf.records.filter((r) => r.kind === 'attention' || hw.peakFlopsPerSecond[r.dtype] !== undefined);
  const fit = calibrate(hw, usable);
  const name = file.slice(dir.length + 1);
  const warnings = mf.provenance.synthetic
    ? [`the ${gpu} model is calibrated on SYNTHETIC measurements (native/measurements/${name}); real measurements remain to be taken (native/run.sh)`]
    : [];
  const out = { params: fit.params, file: name, synthetic: mf.provenance.synthetic, warnings };
  cache.set(key, out);
  return out;
}
