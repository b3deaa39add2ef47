// examples/models: the walkthrough's commands still produce the committed .ein files, and the analysis
// lines in its expected-output files still hold.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const run = (args: string[]) => runCli(args);

const root = resolve(import.meta.dirname, '../..');
const ex = (f: string) => resolve(root, 'examples/models', f);

describe('examples/models walkthrough', () => {
  it('prefill: lower reproduces tiny-llama-prefill.ein and analyze the expected lines', async () => {
    const lowered = await run(['lower', '--model', ex('tiny-llama.json'), '--phase', 'prefill', '--batch', '1', '--seq', '8']);
    expect(lowered.code).toBe(0);
    expect(lowered.out).toBe(readFileSync(ex('tiny-llama-prefill.ein'), 'utf8'));
    const a = await run(['analyze', '--rank', 'M_L0', ex('tiny-llama-prefill.ein')]);
    expect(a.code).toBe(0);
    for (const line of readFileSync(ex('expected-analyze-prefill.txt'), 'utf8').trim().split('\n')) expect(a.out).toContain(line);
  });
  it('decode, 1-pass: lower reproduces tiny-llama-decode-1pass.ein and analyze the expected lines', async () => {
    const lowered = await run(['lower', '--model', ex('tiny-llama.json'), '--phase', 'decode', '--batch', '1', '--kv', '16', '--passes', '1', '--tile', '4']);
    expect(lowered.code).toBe(0);
    expect(lowered.out).toBe(readFileSync(ex('tiny-llama-decode-1pass.ein'), 'utf8'));
    const a = await run(['analyze', '--rank', 'M_L0', ex('tiny-llama-decode-1pass.ein')]);
    for (const line of readFileSync(ex('expected-analyze-decode.txt'), 'utf8').trim().split('\n')) expect(a.out).toContain(line);
  });
  it('the README parameter count (74,560) is the formula and what analyze reports', async () => {
    const [V, D, I, heads, kv, E, layers] = [100, 64, 96, 4, 2, 16, 2];
    const params = 2 * V * D + layers * (D * heads * E + 2 * D * kv * E + heads * E * D + 3 * D * I + 2 * D) + D;
    expect(params).toBe(74_560);
    const a = await run(['analyze', '--json', ex('tiny-llama-prefill.ein')]);
    expect(JSON.parse(a.out).totals.params).toBe(params);
  });
});
