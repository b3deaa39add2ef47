// The examples/fpga walkthrough: `repro flightllm` prints exactly the expected file.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const root = join(import.meta.dirname, '../..');

describe('examples/fpga', () => {
  it('repro flightllm', async () => {
    const r = await runCli(['repro', 'flightllm']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(readFileSync(join(root, 'examples/fpga/expected-repro.txt'), 'utf8'));
    // the README's figures
    expect(r.out).toMatch(/43\.9% without always-on-chip decode, 68\.8% with/);
    expect(r.out).toMatch(/compute gain: 1\.89x/);
    expect(r.out).toMatch(/U280 DSP48E2: 6144 \(paper 6345, -3\.2%\)/);
    // the README's buffer figures: the A buffer 128 banks x 2 URAM x 3 cores; 813 URAM against 792; BRAM 768 + 195.5
    expect(r.out).toMatch(/^a +128 +128 x 4096 +URAM +2 +768$/m);
    expect(r.out).toMatch(/^URAM +813 +0 +813 +84\.7% +792 \(82\.5%\) +\+2\.7%$/m);
    expect(r.out).toMatch(/^BRAM36 +768 +195\.5 +963\.5 +47\.8% +1,252 \(62\.1%\) +-23\.0%$/m);
    // LUT and FF derived (sim/fpga/logic.ts; hand-derived in test/fpga/logic.test.ts) beside the paper's 44.0% / 36.2%
    expect(r.out).toMatch(/^LUT +735,600 +107,629 +843,229 +64\.7% +574,000 \(44\.0%\) +\+46\.9%$/m);
    expect(r.out).toMatch(/^FF +974,616 +136,086 +1,110,702 +42\.6% +943,000 \(36\.2%\) +\+17\.8%$/m);
    expect(r.out).toMatch(/^sparse selection +6,144 +64 +4 +393,216 +24,576$/m);
    expect(r.out).toMatch(/^SFU lane +48 +6,109 +1,304 +293,232 +62,592$/m);
    // the VHK158 against the XCVH1582's totals: 1,084 / 1,301 URAM, 1,024 / 2,541 BRAM36, 5,464 / 7,392 DSP58
    expect(r.out).toMatch(/VHK158 \(XCVH1582\), 4 cores: URAM 1,084 of 1,301 \(83\.3%\), BRAM36 1,024 of 2,541 \(40\.3%\) .*DSP58 5,464 of 7,392 \(73\.9%\) .*fit check: fits$/m);
  });

  it('gemv.ein on u280 at both fidelities', async () => {
    const out: string[] = [];
    for (const f of ['analytic', 'cycle']) {
      const r = await runCli(['run', 'examples/fpga/gemv.ein', '--target', 'u280', '--fidelity', f], { cwd: root });
      expect(r.code).toBe(0);
      out.push(r.out);
    }
    expect(out.join('')).toBe(readFileSync(join(root, 'examples/fpga/expected-gemv.txt'), 'utf8'));
    // the README's figures: HBM-bound, the same at both fidelities
    expect(out.join('')).toMatch(/\(analytic\): 11738 cycles[\s\S]*\(cycle\): 11738 cycles/);
  });

  it('gemv-sparse.ein and gemv-2of4.ein: the N:M chain, a dense-datapath warning, a pattern refused', async () => {
    const a = await runCli(['run', 'examples/fpga/gemv-sparse.ein', '--target', 'u280', '--fidelity', 'cycle'], { cwd: root });
    const b = await runCli(['run', 'examples/fpga/gemv-sparse.ein', '--target', 'h100'], { cwd: root });
    const c = await runCli(['run', 'examples/fpga/gemv-2of4.ein', '--target', 'u280'], { cwd: root });
    expect([a.code, b.code, c.code]).toEqual([0, 0, 1]);
    expect(a.out + b.out + c.err).toBe(readFileSync(join(root, 'examples/fpga/expected-sparse.txt'), 'utf8'));
    // the README's figures: compute 3,168 cycles against gemv.ein's 5,984; HBM 8,807 cycles for 12 MiB packed against 11,738 for 16 MiB dense
    const json = async (f: string) => JSON.parse((await runCli(['run', f, '--target', 'u280', '--fidelity', 'cycle', '--json'], { cwd: root })).out);
    expect((await json('examples/fpga/gemv-sparse.ein')).einsums[0]).toMatchObject({ computeCycles: 3168, hbmCycles: 8807, latencyCycles: 8807, sparsity: '8:16' });
    expect((await json('examples/fpga/gemv.ein')).einsums[0]).toMatchObject({ computeCycles: 5984, hbmCycles: 11738 });
  });

  it('lower --sparsity 8:16 on LLaMA2-7B declares the pruned int4 codes', async () => {
    const r = await runCli(['lower', '--model', 'data/models/llama-2-7b.json', '--phase', 'decode', '--kv', '512', '--wbits', '4', '--group', '128', '--sparsity', '8:16', '--layers', '1'], { cwd: root });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^weight L0_WQ_Q\[D, H, E\]: int4 sparse\(8:16, D\)$/m);
    expect(r.out).toMatch(/^weight LM_HEAD\[D, V\]: fp16$/m);
  });

  it('a whole lowered LLaMA2-7B decode step on u280 and vhk158, dense int4 and 8:16, at both fidelities', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-fpga-llama-'));
    const model = join(root, 'data/models/llama-2-7b.json');
    const lower = ['lower', '--model', model, '--phase', 'decode', '--kv', '512', '--wbits', '4', '--group', '128'];
    expect((await runCli([...lower, '-o', 'l.ein'], { cwd: dir })).code).toBe(0);
    expect((await runCli([...lower, '--sparsity', '8:16', '-o', 'ls.ein'], { cwd: dir })).code).toBe(0);
    const out: string[] = [];
    for (const [f, t, fid] of [['l.ein', 'u280', 'analytic'], ['l.ein', 'u280', 'cycle'], ['l.ein', 'vhk158', 'cycle'], ['ls.ein', 'u280', 'cycle'], ['ls.ein', 'vhk158', 'cycle']]) {
      const r = await runCli(['run', f!, '--target', t!, '--fidelity', fid!], { cwd: dir });
      expect(r.code).toBe(0);
      out.push(r.out.split('\n').slice(0, 3).join('\n') + '\n');
    }
    expect(out.join('')).toBe(readFileSync(join(root, 'examples/fpga/expected-llama.txt'), 'utf8'));
    // the README's figures: one answer at both fidelities; 8:16 no faster on the HBM-bound u280, faster on the vhk158
    expect(out[0]!.split(' (')[1]!.split(':')[1]).toBe(out[1]!.split(' (')[1]!.split(':')[1]);
    expect(out.join('')).toMatch(/u280 \(cycle\): 2861510 cycles[\s\S]*78\.63 tokens\/s[\s\S]*112\.7 tokens\/s[\s\S]*ls\.ein on u280 \(cycle\): 2861510 cycles[\s\S]*137\.2 tokens\/s/);
  }, 120_000);
});
