// The .arch syntax memo hands every caller the same tree, frozen (no copy per hit). Loading one text
// again with other --param values must give the target those values define, as a first parse does;
// the tree cannot be changed by a caller; a spec built from it owns its arrays; and a target that
// extends another, loaded twice, is the same target both times.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTarget } from '../../targets/spec';
import { loadTargetFile } from '../../targets/spec/builtin';
import { parseSyntax, parseValueText } from '../../targets/spec/syntax';

const dir = mkdtempSync(join(tmpdir(), 'tessera-syntax-memo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A text no other test parses (the memo is per process), with parameters in fields and in expressions.
const TEXT = `target memo_probe {
  param rows = 8
  param cols = 4
  param glb = 32 KiB
  param ops = [mul, add]
  clock = 1 GHz
  memory DRAM : dram { bandwidth = 10 GB/s }
  memory GLB : sram { capacity = $glb; bandwidth = 64 GB/s }
  compute PE : array2d { rows = $rows; cols = $cols * 2; ops = $ops }
  link DRAM -> GLB -> PE
}
`;

const pe = (spec: ReturnType<typeof parseTarget>['spec']) => spec!.computes.find((c) => c.name === 'PE')!;
const glb = (spec: ReturnType<typeof parseTarget>['spec']) => spec!.memories.find((m) => m.name === 'GLB')!;

describe('the .arch syntax memo', () => {
  it('gives each load the target of its own --param values, the first load and the later ones alike', () => {
    const first = parseTarget(TEXT, 'probe.arch');
    expect(first.diagnostics).toEqual([]);
    expect([pe(first.spec).rows, pe(first.spec).cols, glb(first.spec).capacityBytes]).toEqual([8, 8, 32 * 1024]);
    const cases: [Record<string, string | number>, [number, number, number]][] = [
      [{ rows: 16, cols: 3 }, [16, 6, 32 * 1024]],
      [{ glb: '1 MiB' }, [8, 8, 1024 * 1024]],
      [{ rows: '32', cols: '32', glb: '256 KiB' }, [32, 64, 256 * 1024]],
      [{}, [8, 8, 32 * 1024]],
    ];
    for (const [over, want] of cases) {
      const r = parseTarget(TEXT, 'probe.arch', over);
      expect(r.diagnostics, JSON.stringify(over)).toEqual([]);
      expect([pe(r.spec).rows, pe(r.spec).cols, glb(r.spec).capacityBytes], JSON.stringify(over)).toEqual(want);
      expect(r.spec!.params).toMatchObject({ rows: want[0] });
    }
    // a bad override after good ones is still an error at the flag, and does not poison the memo
    const bad = parseTarget(TEXT, 'probe.arch', { glb: '12 parsecs' });
    expect(bad.spec).toBeNull();
    expect(bad.diagnostics.map((d) => d.message).join('\n')).toMatch(/parameter 'glb' override/);
    expect(glb(parseTarget(TEXT, 'probe.arch').spec).capacityBytes).toBe(32 * 1024);
  });

  it('hands out one frozen tree: a write throws, and what a caller gets is what the next caller gets', () => {
    const a = parseSyntax(TEXT);
    const b = parseSyntax(TEXT);
    expect(b).toBe(a);
    if (!a.ok) throw new Error('the probe text must parse');
    expect(Object.isFrozen(a.target.units[2]!.items)).toBe(true);
    expect(() => {
      (a.target.params[0] as { name: string }).name = 'changed';
    }).toThrow(TypeError);
    expect(() => a.target.units.push(a.target.units[0]!)).toThrow(TypeError);
    expect(a.target.params.map((p) => p.name)).toEqual(['rows', 'cols', 'glb', 'ops']);
    const v = parseValueText('216 KiB');
    expect(parseValueText('216 KiB')).toBe(v);
    expect(Object.isFrozen(v)).toBe(true);
  });

  it('builds specs that own their arrays (a list field is the spec’s, not the frozen tree’s)', () => {
    const s1 = parseTarget(TEXT, 'probe.arch').spec!;
    const s2 = parseTarget(TEXT, 'probe.arch').spec!;
    expect(pe(s1).ops).toEqual(['mul', 'add']);
    expect(Object.isFrozen(pe(s1).ops)).toBe(false);
    pe(s1).ops.push('max');
    expect(pe(s2).ops).toEqual(['mul', 'add']);
    expect(pe(parseTarget(TEXT, 'probe.arch').spec).ops).toEqual(['mul', 'add']);
  });

  it('loads a target that extends another file the same way twice, with other parameters the second time', () => {
    const base = join(dir, 'base.arch');
    const child = join(dir, 'child.arch');
    writeFileSync(base, TEXT);
    writeFileSync(child, `target memo_child extends "base.arch" {\n  param rows = 12\n  memory GLB : sram { capacity = 128 KiB }\n}\n`);
    for (let i = 0; i < 2; i++) {
      const s = loadTargetFile(child);
      expect(s.name).toBe('memo_child');
      expect([pe(s).rows, pe(s).cols, glb(s).capacityBytes]).toEqual([12, 8, 128 * 1024]);
      expect(glb(s).bandwidthBytesPerSecond).toBe(64e9);
    }
    const over = loadTargetFile(child, { rows: 2, cols: 5 });
    expect([pe(over).rows, pe(over).cols]).toEqual([2, 10]);
    expect(pe(loadTargetFile(child)).rows).toBe(12);
  });
});
