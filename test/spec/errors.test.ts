// Every diagnostic class of the .arch language, with its exact rendered text (location, source
// line, caret and hint), and the rule that all semantic errors of a file are reported together.
import { describe, expect, it } from 'vitest';
import { renderDiagnostics } from '../../compiler/ir/diagnostic';
import { parseTarget } from '../../targets/spec';

const T = (body: string) => `target t "test" {\n  clock = 1 GHz\n${body}}\n`;
const OK = `  memory DRAM : dram { bandwidth = 10 GB/s }\n  memory GLB : sram { capacity = 64 KiB }\n  compute PE : array2d { rows = 4; cols = 4 }\n  link DRAM -> GLB -> PE\n`;

function check(text: string): { rendered: string; codes: string[]; ok: boolean } {
  const r = parseTarget(text, 'x.arch');
  return { rendered: renderDiagnostics(r.diagnostics, text), codes: r.diagnostics.map((d) => d.code), ok: r.spec !== null };
}

function lines(...ls: string[]): string {
  return ls.join('\n');
}

describe('.arch diagnostics', () => {
  it('accepts the well-formed base used below', () => {
    expect(check(T(OK))).toEqual({ rendered: '', codes: [], ok: true });
  });

  it('unknown unit, with the nearest unit of the expected dimension as hint', () => {
    const r = check(T(`  memory DRAM : dram { bandwidth = 10 GBs }\n  compute PE : array2d { rows = 4; cols = 4 }\n  link DRAM -> PE\n`));
    expect(r.ok).toBe(false);
    expect(r.rendered).toBe(
      lines(
        "x.arch:3:39: error: unknown unit 'GBs'",
        '    memory DRAM : dram { bandwidth = 10 GBs }',
        '                                        ^~~',
        "  hint: did you mean 'GB/s'?",
      ),
    );
  });

  it('missing capacity for an on-chip memory', () => {
    const r = check(T(`  memory DRAM : dram { bandwidth = 10 GB/s }\n  memory GLB : sram { banks = 4 }\n  compute PE : array2d { rows = 4; cols = 4 }\n  link DRAM -> GLB -> PE\n`));
    expect(r.rendered).toBe(
      lines(
        "x.arch:4:10: error: sram memory 'GLB' needs a capacity",
        '    memory GLB : sram { banks = 4 }',
        '           ^~~',
        '  hint: add `capacity = ...`, e.g. `capacity = 64 KiB`',
      ),
    );
  });

  it('missing bandwidth for an off-chip memory and a missing required compute field', () => {
    const r = check(T(`  memory DRAM : hbm { capacity = 1 GiB }\n  compute PE : array2d { rows = 4 }\n  link DRAM -> PE\n`));
    expect(r.rendered).toBe(
      lines(
        "x.arch:3:10: error: hbm memory 'DRAM' needs a bandwidth",
        '    memory DRAM : hbm { capacity = 1 GiB }',
        '           ^~~~',
        '  hint: add `bandwidth = ...`, e.g. `bandwidth = 25.6 GB/s`',
        "x.arch:4:11: error: array2d compute 'PE' needs 'cols'",
        '    compute PE : array2d { rows = 4 }',
        '            ^~',
        '  hint: add `cols = ...`',
      ),
    );
  });

  it('an unconnected unit', () => {
    const r = check(T(OK + `  compute V : vector { lanes = 8 }\n`));
    expect(r.rendered).toBe(
      lines(
        "x.arch:7:11: error: compute 'V' is not connected to any other unit",
        '    compute V : vector { lanes = 8 }',
        '            ^',
        '  hint: add it to a link, e.g. `link DRAM -> V`',
      ),
    );
  });

  it('a zero size', () => {
    const r = check(T(`  memory DRAM : dram { bandwidth = 10 GB/s }\n  memory GLB : sram { capacity = 0 KiB }\n  compute PE : array2d { rows = 4; cols = 4 }\n  link DRAM -> GLB -> PE\n`));
    expect(r.rendered).toBe(
      lines(
        "x.arch:4:34: error: 'capacity' must be greater than zero (got 0 KiB)",
        '    memory GLB : sram { capacity = 0 KiB }',
        '                                   ^~~~~',
      ),
    );
  });

  it('negative sizes, both reported', () => {
    const r = check(T(`  memory DRAM : dram { bandwidth = 10 GB/s }\n  memory GLB : sram { capacity = -64 KiB }\n  compute PE : array2d { rows = -4; cols = 4 }\n  link DRAM -> GLB -> PE\n`));
    expect(r.rendered).toBe(
      lines(
        "x.arch:4:34: error: 'capacity' must be greater than zero (got -64 KiB)",
        '    memory GLB : sram { capacity = -64 KiB }',
        '                                   ^~~~~~~',
        "x.arch:5:33: error: 'rows' must be greater than zero (got -4)",
        '    compute PE : array2d { rows = -4; cols = 4 }',
        '                                  ^~',
      ),
    );
  });

  it('a syntax error (an unclosed block) stops at the first one', () => {
    const r = check(T(`  memory DRAM : dram { bandwidth = 10 GB/s\n  compute PE : array2d { rows = 4; cols = 4 }\n`));
    expect(r.codes).toEqual(['syntax']);
    expect(r.rendered).toBe(
      lines(
        `x.arch:4:3: error: syntax error: expected "}", ";", a name, or "attr", found 'compute'`,
        '    compute PE : array2d { rows = 4; cols = 4 }',
        '    ^',
      ),
    );
  });

  it('a syntax error at the end of the file', () => {
    const r = check(`target t {\n  clock = 1 GHz\n`);
    expect(r.rendered.split('\n')[0]).toBe(
      `x.arch:3:1: error: syntax error: expected "}", ";", a name, "link", "compute", "memory", "attr", or "param", found end of file`,
    );
  });

  it('a syntax error in a value', () => {
    const r = check(T(`  memory DRAM : dram { bandwidth = GB/s 10 }\n`));
    expect(r.codes).toEqual(['syntax']);
    expect(r.rendered.split('\n')[0]).toBe(`x.arch:3:38: error: syntax error: expected "}", found '/'`);
  });

  it('duplicate unit names', () => {
    const r = check(T(`  memory DRAM : dram { bandwidth = 10 GB/s }\n  memory DRAM : sram { capacity = 64 KiB }\n  compute PE : array2d { rows = 4; cols = 4 }\n  link DRAM -> PE\n`));
    expect(r.rendered).toBe(
      lines(
        "x.arch:4:10: error: duplicate unit name 'DRAM'",
        '    memory DRAM : sram { capacity = 64 KiB }',
        '           ^~~~',
        "  hint: 'DRAM' is already declared at line 3",
      ),
    );
  });

  it('unknown memory and compute kinds', () => {
    const r = check(T(`  memory DRAM : dram { bandwidth = 10 GB/s }\n  memory GLB : sarm { capacity = 64 KiB }\n  compute PE : systolic { rows = 4; cols = 4 }\n  link DRAM -> GLB -> PE\n`));
    expect(r.rendered).toBe(
      lines(
        "x.arch:4:16: error: unknown memory kind 'sarm'",
        '    memory GLB : sarm { capacity = 64 KiB }',
        '                 ^~~~',
        "  hint: did you mean 'sram'? memory kinds are regfile, sram, hbm, dram, ddr, flash",
        "x.arch:5:16: error: unknown compute kind 'systolic'",
        '    compute PE : systolic { rows = 4; cols = 4 }',
        '                 ^~~~~~~~',
        '  hint: compute kinds are array2d, array1d, vector, lut, dsp, sm',
      ),
    );
  });

  it('unknown attributes, with a did-you-mean hint or the way to declare an extra fact', () => {
    const r = check(T(`  memory DRAM : dram { bandwidth = 10 GB/s }\n  memory GLB : sram { capacity = 64 KiB; bankz = 4 }\n  compute PE : array2d { rows = 4; cols = 4; exp_macs = 6 }\n  link DRAM -> GLB -> PE\n`));
    expect(r.rendered).toBe(
      lines(
        "x.arch:4:42: error: unknown attribute 'bankz' for memory 'GLB'",
        '    memory GLB : sram { capacity = 64 KiB; bankz = 4 }',
        '                                           ^~~~~',
        "  hint: did you mean 'banks'?",
        "x.arch:5:46: error: unknown attribute 'exp_macs' for compute 'PE'",
        '    compute PE : array2d { rows = 4; cols = 4; exp_macs = 6 }',
        '                                               ^~~~~~~~',
        '  hint: compute fields are rows, cols, lanes, count, regs, dataflow, ops, mac_energy; declare any other fact with `attr exp_macs = ...`',
      ),
    );
  });

  it('links to undeclared units', () => {
    const r = check(T(`  memory DRAM : dram { bandwidth = 10 GB/s }\n  memory GLB : sram { capacity = 64 KiB }\n  compute PE : array2d { rows = 4; cols = 4 }\n  link DRAM -> GBL -> { PE, PE2 }\n  link GLB -> PE\n`));
    expect(r.rendered).toBe(
      lines(
        "x.arch:6:16: error: link to undeclared unit 'GBL'",
        '    link DRAM -> GBL -> { PE, PE2 }',
        '                 ^~~',
        "  hint: did you mean 'GLB'?",
        "x.arch:6:29: error: link to undeclared unit 'PE2'",
        '    link DRAM -> GBL -> { PE, PE2 }',
        '                              ^~~',
        "  hint: did you mean 'PE'?",
      ),
    );
  });

  it('wrong and missing units', () => {
    const r = check(T(`  memory DRAM : dram { bandwidth = 10 GB }\n  memory GLB : sram { capacity = 64 KiB; latency = 3 }\n  compute PE : array2d { rows = 4; cols = 4; mac_energy = 1 pJ/B }\n  link DRAM -> GLB -> PE\n`));
    expect(r.rendered).toBe(
      lines(
        "x.arch:3:36: error: 'bandwidth' expects a bandwidth (B/s, GB/s, GiB/s, TB/s, bit/s, ...), but '10 GB' is a size",
        '    memory DRAM : dram { bandwidth = 10 GB }',
        '                                     ^~~~~',
        "x.arch:4:52: error: 'latency' needs a unit: a latency (cycles), or a time (s, ms, us, ns, ps)",
        '    memory GLB : sram { capacity = 64 KiB; latency = 3 }',
        '                                                     ^',
        '  hint: write the unit after the number, e.g. `latency = 3 cycles`',
        "x.arch:5:59: error: 'mac_energy' expects an energy (fJ, pJ, nJ), but '1 pJ/B' is an energy per byte",
        '    compute PE : array2d { rows = 4; cols = 4; mac_energy = 1 pJ/B }',
        '                                                            ^~~~~~',
      ),
    );
  });

  it('a missing clock', () => {
    const r = check(`target t {\n  memory DRAM : dram { bandwidth = 10 GB/s }\n  compute PE : vector { lanes = 4 }\n  link DRAM -> PE\n}\n`);
    expect(r.rendered).toBe(
      lines("x.arch:1:8: error: target 't' has no clock", '  target t {', '         ^', '  hint: add `clock = 1 GHz` (the frequency its cycles are counted in)'),
    );
  });

  it('reports every semantic error of a file, in file order', () => {
    const r = check(
      T(`  param n = 4\n  memory DRAM : dram { bandwidth = 10 GB/s; banks = 2.5 }\n  memory GLB : sram { capacity = 64 KiB; energy = 5 pJ/access; banks = 4 B }\n  compute PE : array1d { rows = 2; lanes = $n; dataflow = xs; regs = 2; regs = 3 }\n  link DRAM -> GLB -> PE\n`),
    );
    expect(r.rendered.split('\n').filter((l) => l.startsWith('x.arch'))).toEqual([
      "x.arch:4:53: error: 'banks' must be a whole number (got 2.5)",
      "x.arch:5:51: error: 'energy' is per access, so memory 'GLB' needs a width",
      "x.arch:5:72: error: 'banks' is a count and takes no unit (got '4 B')",
      "x.arch:6:26: error: 'rows' applies only to array2d compute units, not array1d",
      "x.arch:6:59: error: 'dataflow' must be one of os, ws, is (got 'xs')",
      "x.arch:6:73: error: duplicate attribute 'regs' in compute 'PE'",
    ]);
  });

  it('unknown parameters, in a value and in an override', () => {
    const text = T(`  param rows = 4\n` + OK.replace('rows = 4', 'rows = $rowz'));
    const r = parseTarget(text, 'x.arch', { colz: 3 });
    expect(renderDiagnostics(r.diagnostics, text)).toBe(
      lines(
        "x.arch: error: no parameter 'colz' to override in target 't'",
        "  hint: this target's parameters are rows",
        "x.arch:6:33: error: unknown parameter '$rowz'",
        '    compute PE : array2d { rows = $rowz; cols = 4 }',
        '                                  ^~~~~',
        "  hint: did you mean 'rows'?",
      ),
    );
  });

  it('a bad override value names the parameter and has no location', () => {
    const r = parseTarget(T(`  param glb = 64 KiB\n` + OK.replace('64 KiB', '$glb')), 'x.arch', { glb: '128 KiBB' });
    expect(renderDiagnostics(r.diagnostics)).toBe(lines("x.arch: error: parameter 'glb' override: unknown unit 'KiBB'", "  hint: did you mean 'KiB'?"));
  });

  it('duplicate parameters, reserved attribute names, negative latency and energy, non-numeric parameters in arithmetic', () => {
    const r = check(
      `target t {\n  param n = ws\n  param n = 3\n  clock = 1 GHz\n  memory M : sram { capacity = 1 KiB; attr banks = 2; latency = -1 cycles; read_energy = -2 pJ/B }\n  compute C : vector { lanes = $n * 2 }\n  link M -> C\n}\n`,
    );
    expect(r.rendered).toBe(
      lines(
        "x.arch:3:9: error: duplicate parameter 'n'",
        '    param n = 3',
        '          ^',
        "  hint: 'n' is already declared at line 2",
        "x.arch:5:44: error: 'banks' is a built-in field of memory units",
        '    memory M : sram { capacity = 1 KiB; attr banks = 2; latency = -1 cycles; read_energy = -2 pJ/B }',
        '                                             ^~~~~',
        '  hint: write `banks = ...` without `attr`',
        "x.arch:5:65: error: 'latency' must not be negative (got -1 cycles)",
        '    memory M : sram { capacity = 1 KiB; attr banks = 2; latency = -1 cycles; read_energy = -2 pJ/B }',
        '                                                                  ^~~~~~~~~',
        "x.arch:5:90: error: 'read_energy' must not be negative (got -2 pJ/B)",
        '    memory M : sram { capacity = 1 KiB; attr banks = 2; latency = -1 cycles; read_energy = -2 pJ/B }',
        '                                                                                           ^~~~~~~',
        "x.arch:6:32: error: parameter 'n' is not a plain number, so it cannot be used in arithmetic or before a unit",
        '    compute C : vector { lanes = $n * 2 }',
        '                                 ^~',
        '  hint: use `$n` alone as the whole value',
      ),
    );
  });

  it('a target with no compute unit and no memory', () => {
    const r = check(`target e { clock = 1 GHz }`);
    expect(r.codes).toEqual(['no-compute', 'no-memory']);
    expect(r.rendered.split('\n').filter((l) => l.startsWith('x.arch'))).toEqual(["x.arch:1:8: error: target 'e' has no compute unit", "x.arch:1:8: error: target 'e' has no memory"]);
  });

  it('an override value that does not parse', () => {
    const r = parseTarget(`target t {\n  param n = 3\n  clock = 1 GHz\n  memory M : sram { capacity = $n KiB }\n  compute C : vector { lanes = 1 }\n  link M -> C\n}\n`, 'x.arch', { n: '3 KiB KiB' });
    expect(r.spec).toBeNull();
    expect(renderDiagnostics(r.diagnostics)).toBe(
      lines("x.arch: error: cannot read '3 KiB KiB' as the value of parameter 'n'", '  hint: write a number with an optional unit (128, 216 KiB), a word (ws), a "string" or a [list]'),
    );
  });

  it('every diagnostic carries file, line and column (except override ones)', () => {
    const r = parseTarget(T(`  memory A : sram { }\n  compute P : lut { }\n`), 'y.arch');
    expect(r.diagnostics.length).toBeGreaterThan(0);
    for (const d of r.diagnostics) {
      expect(d.file).toBe('y.arch');
      expect(d.loc?.line).toBeGreaterThan(0);
      expect(d.loc?.col).toBeGreaterThan(0);
    }
  });
});
