// One fresh process maps LLaMA-2-7B prefill (seq 2048) on fusemax once, as `tessera run` does, and
// prints the wall and CPU milliseconds of mapCascade alone (the model is built before the clock
// starts). Run by map.bench.ts: npx tsx bench/map-once.ts LAYERS [FUSION]
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildModel, parseModelConfig } from '../compiler/graph';
import { mapCascade } from '../compiler/map/map-cascade';
import { getTarget } from '../targets/registry';

const root = resolve(import.meta.dirname, '..');
const [layers, fusion = 'auto'] = process.argv.slice(2);
const spec = parseModelConfig(readFileSync(join(root, 'data/models/llama-2-7b.json'), 'utf8'), 'llama-2-7b.json');
const c = buildModel(spec, { kind: 'prefill', batch: 1, seq: 2048 }, { layers: Number(layers), passes: 1, tile: 256 });
const fm = getTarget('fusemax').spec;
const t0 = performance.now();
const u0 = process.cpuUsage();
mapCascade(c, fm, { seed: 1, fusion });
const u = process.cpuUsage(u0);
console.log(JSON.stringify({ wallMs: performance.now() - t0, cpuMs: (u.user + u.system) / 1000 }));
