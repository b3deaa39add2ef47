// Which parameters a GPU target runs with: the committed calibration in native/calibration/ whose
// `targets` names the target (fitted by `tessera calibrate gpu` on published or measured data);
// failing that, a fit on the newest measurement file for that GPU in native/measurements (a real one
// if any, else the synthetic one, and then every Result says so).
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { calibrate } from './calibrate';
import { loadCalibration, paramsOf } from './calibration-file';
import type { GpuHardware } from './hardware';
import { loadMeasurements, type MeasurementFile } from './measurements';
import type { GpuModelParams } from './params';

export const MEASUREMENTS_DIR = resolve(import.meta.dirname, '../../native/measurements');
export const CALIBRATION_DIR = resolve(import.meta.dirname, '../../native/calibration');

export interface DefaultCalibration {
  params: GpuModelParams;
  file: string;
  synthetic: boolean;
  /** to carry into Result.warnings */
  warnings: string[];
}

const cache = new Map<string, DefaultCalibration | null>();

function jsonFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return [];
  }
}

/** Measurement files for a GPU (by the slug in their name: h100-2026-11-22.json), newest last. */
export function measurementFilesFor(gpu: string, dir = MEASUREMENTS_DIR): { real: string[]; synthetic: string[] } {
  const names = jsonFiles(dir);
  return {
    real: names.filter((n) => n.startsWith(`${gpu}-`)).map((n) => join(dir, n)),
    synthetic: names.filter((n) => n.startsWith(`synthetic-${gpu}-`)).map((n) => join(dir, n)),
  };
}

/** The committed calibration naming this target, if any. */
export function committedCalibration(target: string, dir = CALIBRATION_DIR): DefaultCalibration | null {
  for (const n of jsonFiles(dir)) {
    const c = loadCalibration(join(dir, n));
    if (!c.targets.includes(target)) continue;
    const synthetic = c.measurements.some((m) => m.kind === 'synthetic');
    const kinds = [...new Set(c.measurements.map((m) => m.kind))].join(' and ');
    const warnings = synthetic ? [`the ${target} model is calibrated on SYNTHETIC measurements (native/calibration/${n})`] : [];
    return { params: paramsOf(c), file: `native/calibration/${n} (${kinds} data)`, synthetic, warnings };
  }
  return null;
}

export function defaultCalibration(gpu: string, hw: GpuHardware, dir = MEASUREMENTS_DIR): DefaultCalibration | null {
  const key = `${gpu}@${dir}`;
  if (cache.has(key)) return cache.get(key)!;
  let out = dir === MEASUREMENTS_DIR ? committedCalibration(gpu) : null;
  if (!out) {
    const files = measurementFilesFor(gpu, dir);
    const file = files.real.at(-1) ?? files.synthetic.at(-1);
    if (file) {
      const mf: MeasurementFile = loadMeasurements(file);
      const usable = mf.records.filter((r) => r.kind === 'attention' || hw.peakFlopsPerSecond[r.dtype] !== undefined);
      const fit = calibrate(hw, usable);
      const name = file.slice(dir.length + 1);
      const warnings = mf.provenance.synthetic
        ? [`the ${gpu} model is calibrated on SYNTHETIC measurements (native/measurements/${name}); real measurements remain to be taken (native/run.sh)`]
        : [];
      out = { params: fit.params, file: name, synthetic: mf.provenance.synthetic, warnings };
    }
  }
  cache.set(key, out);
  return out;
}
