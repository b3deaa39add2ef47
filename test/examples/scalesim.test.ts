// examples/scalesim: the walkthrough's commands still print expected/output.txt and write the
// expected SCALE-Sim reports.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../compiler/driver/program';

const ex = join(import.meta.dirname, '../../examples/scalesim');

describe('examples/scalesim', () => {
  it('prints the expected tables and writes the expected reports', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ex-scalesim-'));
    let stdout = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
    try {
      for (const cfg of ['ws32.cfg', 'ws32-bw4.cfg']) {
        const code = await main(['scalesim', '--config', join(ex, cfg), '--topology', join(ex, 'layers.csv'), '--outdir', out]);
        expect(code).toBe(0);
      }
    } finally {
      spy.mockRestore();
    }
    expect(stdout.split(`${out}/`).join('out/')).toBe(readFileSync(join(ex, 'expected/output.txt'), 'utf8'));
    for (const run of ['ws32_calc', 'ws32_bw4']) {
      for (const f of ['COMPUTE_REPORT.csv', 'BANDWIDTH_REPORT.csv']) {
        expect(readFileSync(join(out, run, f), 'utf8')).toBe(readFileSync(join(ex, 'expected', run, f), 'utf8'));
      }
    }
    // the README's hand-derived fold arithmetic (ws, 32×32: r + T + R + c − 2 per fold)
    const calc = readFileSync(join(out, 'ws32_calc', 'COMPUTE_REPORT.csv'), 'utf8').split('\n');
    expect(calc[1]!.split(', ')[1]).toBe(String(4 * (32 + 256 + 32 + 32 - 2)));
    expect(calc[2]!.split(', ')[1]).toBe(String(2 * 350 + 2 * 319 + 319 + 288));
    expect(calc[3]!.split(', ')[1]).toBe(String(8 + 1024 + 32 + 32 - 2));
  });
});
