// Messages for people (issue 12): no `<input>:` where no file is involved, `print`/`analyze` say
// when they are given an .arch file, and sizes in the schedule report read `64 GiB`.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { error, renderDiagnostic, renderDiagnostics } from '../../compiler/ir';
import { parseCascade } from '../../compiler/lang';
import { runCli } from '../helpers/cli';

const root = join(import.meta.dirname, '../..');

describe('diagnostics without a file', () => {
  it('render as `error: message`, with the location after the message', () => {
    expect(renderDiagnostic(error('x', 'no cycle engine'))).toBe('error: no cycle engine');
    expect(renderDiagnostic(error('x', 'bad', { line: 3, col: 5 }))).toBe('error: bad (line 3, column 5)');
  });

  it('keep file:line:col when there is a file', () => {
    expect(renderDiagnostic({ ...error('x', 'bad', { line: 3, col: 5 }), file: 'a.ein' })).toBe('a.ein:3:5: error: bad');
    expect(renderDiagnostic({ ...error('x', 'bad'), file: 'a.ein' })).toBe('a.ein: error: bad');
  });

  it('a cascade parsed from a string has no file and no placeholder, but still shows the line and caret', () => {
    const text = 'rank M = 4\ninput A[M]: fp32\nY[m] = A[m] @ 2\noutput Y\n';
    const { diagnostics } = parseCascade(text);
    expect(diagnostics[0]!.file).toBeUndefined();
    const out = renderDiagnostics(diagnostics, text);
    expect(out.split('\n').slice(0, 3)).toEqual(["error: unexpected character '@' (line 3, column 13)", '  Y[m] = A[m] @ 2', '              ^']);
    expect(out).not.toContain('<input>');
  });

  it('the CLI prints a file-less error without a prefix', async () => {
    const r = await runCli(['run', 'examples/gemm/gemm.ein', '--target', 'test/fixtures/arch/no-cycle-engine.arch', '--fidelity', 'cycle'], { cwd: root });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: fidelity cycle is not available for target no-cycle-engine/);
  });
});

describe('print and analyze on an .arch file', () => {
  for (const cmd of ['print', 'analyze'])
    it(`${cmd} says it is an .arch file and exits 1`, async () => {
      const r = await runCli([cmd, 'examples/arch/edge.arch'], { cwd: root });
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toBe(
        `error: examples/arch/edge.arch is an .arch target file; ${cmd} takes a cascade (.ein): use 'tessera check ${cmd === 'print' ? '--print ' : ''}examples/arch/edge.arch' to ${cmd === 'print' ? 'print the target normalized' : 'validate the target'}, or 'tessera targets examples/arch/edge.arch' to print it resolved\n`,
      );
    });

  it('an .ein file still prints', async () => {
    const r = await runCli(['print', 'examples/gemm/gemm.ein'], { cwd: root });
    expect(r.code).toBe(0);
    expect(r.out).toContain('output');
  });
});

describe('sizes for people', () => {
  it('the schedule report prints the sn40l tiers as 4 MiB, 64 GiB and 1.5 TiB', async () => {
    const r = await runCli(['schedule', 'examples/schedule/block.ein', '--target', 'sn40l'], { cwd: root });
    expect(r.code).toBe(0);
    // sn40l.arch gives HBM 64 GiB and DDR 1.5 TiB (65536 MiB and 1572864 MiB, as the report used to say).
    expect(r.out).toMatch(/tiers: PMU 4 MiB <-> HBM 64 GiB .* <-> DDR 1\.5 TiB /);
    expect(r.out).not.toMatch(/\.00 MiB|65536|1572864/);
    expect(r.out).toContain('DDR: read 0 B (compulsory 0 B)');
  });
});
