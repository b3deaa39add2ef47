// SCALE-Sim v2 `.cfg` files (INI: [section] then `Key: value` or `Key = value`; keys are
// case-insensitive as in Python's configparser). Every problem becomes a Diagnostic with its line
// and column; parsing continues so a user sees all of them at once.
import { type Diagnostic, error } from '../../../compiler/ir/diagnostic';
import type { Dataflow } from '../folds';

export interface ScaleSimConfig {
  runName: string;
  arrayHeight: number;
  arrayWidth: number;
  ifmapSramKb: number;
  filterSramKb: number;
  ofmapSramKb: number;
  ifmapOffset: number;
  filterOffset: number;
  ofmapOffset: number;
  dataflow: Dataflow;
  /** words per cycle of the DRAM interface, used when interfaceBandwidth is USER */
  bandwidthWordsPerCycle: number;
  memoryBanks: number;
  /** CALC: SCALE-Sim works out the bandwidth needed (no stalls); USER: the given bandwidth limits */
  interfaceBandwidth: 'CALC' | 'USER';
}

interface Entry {
  value: string;
  line: number;
  col: number;
}

const INT_KEYS: Record<string, keyof ScaleSimConfig> = {
  arrayheight: 'arrayHeight',
  arraywidth: 'arrayWidth',
  ifmapsramszkb: 'ifmapSramKb',
  filtersramszkb: 'filterSramKb',
  ofmapsramszkb: 'ofmapSramKb',
  ifmapoffset: 'ifmapOffset',
  filteroffset: 'filterOffset',
  ofmapoffset: 'ofmapOffset',
  bandwidth: 'bandwidthWordsPerCycle',
  memorybanks: 'memoryBanks',
};
const REQUIRED = ['arrayheight', 'arraywidth', 'ifmapsramszkb', 'filtersramszkb', 'ofmapsramszkb', 'dataflow'];
/** keys SCALE-Sim knows that this import reads but does not model */
const IGNORED = new Set(['bandwidthmode', 'readrequestbuffer', 'writerequestbuffer', 'usingifmapcustomlayout', 'usingfiltercustomlayout', 'ifmapsrambanknum', 'ifmapsrambankport', 'filtersrambanknum', 'filtersrambankport', 'sparsitysupport', 'sparsityrepresentation', 'sparsityoptimizedmapping', 'sparsityblocksize', 'sparsityrandomnumbergenerator', 'save_disk_space', 'time_linear_model', 'sparsity']);

export function parseScaleSimConfig(text: string, file = '<cfg>'): { config: ScaleSimConfig | null; diagnostics: Diagnostic[] } {
  const diags: Diagnostic[] = [];
  const at = (d: Diagnostic): void => {
    d.file = file;
    diags.push(d);
  };
  const lines = text.split(/\r?\n/);
  const sections = readSections(lines, at);
  const arch = sections.get('architecture_presets');
  if (!arch) {
    at(error('cfg-missing-section', 'no [architecture_presets] section', { line: 1, col: 1 }, 'SCALE-Sim configs describe the array under [architecture_presets]'));
    return { config: null, diagnostics: diags };
  }
  const out: Partial<ScaleSimConfig> = {
    runName: sections.get('general')?.get('run_name')?.value || 'scalesim_run',
    ifmapOffset: 0,
    filterOffset: 10000000,
    ofmapOffset: 20000000,
    bandwidthWordsPerCycle: 10,
    memoryBanks: 1,
    interfaceBandwidth: 'CALC',
  };
  const archLine = lines.findIndex((l) => /^\s*\[\s*architecture_presets\s*\]/i.test(l)) + 1;
  for (const k of REQUIRED) {
    if (!arch.has(k)) at(error('cfg-missing-key', `[architecture_presets] lacks '${k}'`, { line: archLine || 1, col: 1 }, `add a line '${k}: ...'`));
  }
  for (const [key, e] of arch) readArchitectureKey(key, e, out, at, (d) => diags.push({ severity: d.severity, code: d.code, message: d.message, file, ...(d.loc ? { loc: d.loc } : {}) }));
  const ib = sections.get('run_presets')?.get('interfacebandwidth');
  if (ib) {
    const v = ib.value.toUpperCase();
    if (v === 'CALC' || v === 'USER') out.interfaceBandwidth = v;
    else at(error('cfg-value', `InterfaceBandwidth must be CALC or USER, got '${ib.value}'`, { line: ib.line, col: ib.col, length: Math.max(1, ib.value.length) }));
  }
  if (diags.some((d) => d.severity === 'error')) return { config: null, diagnostics: diags };
  return { config: out as ScaleSimConfig, diagnostics: diags };
}

/** The INI-style sections: [name] headers, then `Key: value` (or `=`) lines; comments start with # or ;. */
function readSections(lines: string[], at: (d: Diagnostic) => void): Map<string, Map<string, Entry>> {
  const sections = new Map<string, Map<string, Entry>>();
  let current: Map<string, Entry> | null = null;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const lead = raw.length - raw.trimStart().length + 1;
    if (trimmed.startsWith('[')) {
      const m = /^\[([^\]]+)\]$/.exec(trimmed);
      if (!m) {
        at(error('cfg-section', `malformed section header '${trimmed}'`, { line, col: lead, length: trimmed.length }, 'write it as [name]'));
        current = null;
        continue;
      }
      const name = m[1]!.trim().toLowerCase();
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      continue;
    }
    const sep = raw.search(/[:=]/);
    if (sep < 0) {
      at(error('cfg-syntax', `expected 'Key: value', found '${trimmed}'`, { line, col: lead, length: trimmed.length }, "separate the key and value with ':' or '='"));
      continue;
    }
    const key = raw.slice(0, sep).trim().toLowerCase();
    const valueRaw = raw.slice(sep + 1);
    const value = valueRaw.trim();
    const valueCol = sep + 2 + (valueRaw.length - valueRaw.trimStart().length);
    if (key === '') {
      at(error('cfg-syntax', 'missing key before the separator', { line, col: sep + 1 }));
      continue;
    }
    if (!current) {
      at(error('cfg-syntax', `'${raw.slice(0, sep).trim()}' appears before any [section]`, { line, col: lead }, 'put it under [architecture_presets]'));
      continue;
    }
    current.set(key, { value, line, col: valueCol });
  }
  return sections;
}

/** One [architecture_presets] key into `out`: an integer field, the dataflow, a key read but not modelled, or an unknown one (a warning). */
function readArchitectureKey(key: string, e: Entry, out: Partial<ScaleSimConfig>, at: (d: Diagnostic) => void, warn: (d: Diagnostic) => void): void {
  const field = Object.hasOwn(INT_KEYS, key) ? INT_KEYS[key] : undefined;
  if (field) {
    const v = /^[+]?\d+$/.test(e.value) ? Number(e.value) : NaN;
    const mustBePositive = !key.endsWith('offset');
    if (!Number.isSafeInteger(v) || (mustBePositive && v <= 0)) {
      at(error('cfg-value', `'${key}' must be a ${mustBePositive ? 'positive' : 'non-negative'} integer, got '${e.value}'`, { line: e.line, col: e.col, length: Math.max(1, e.value.length) }));
    } else (out as Record<string, unknown>)[field] = v;
  } else if (key === 'dataflow') {
    const v = e.value.toLowerCase();
    if (v === 'os' || v === 'ws' || v === 'is') out.dataflow = v;
    else at(error('cfg-value', `unknown dataflow '${e.value}'`, { line: e.line, col: e.col, length: Math.max(1, e.value.length) }, 'use os, ws or is'));
  } else if (!IGNORED.has(key)) {
    warn({ severity: 'warning', code: 'cfg-unknown-key', message: `unknown key '${key}' ignored`, loc: { line: e.line, col: 1 } });
  }
}
