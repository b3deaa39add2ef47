// The writer's tree is handed to the parser in place of the grammar's (seedSyntax), so it must be the
// grammar's tree exactly, spans included: the oracle here is ohm's parse of the writer's own text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScaleSimConfig } from '../../sim/spatial/scalesim/config';
import { scaleSimArch, scaleSimArchSyntax, scaleSimSpec } from '../../sim/spatial/scalesim/to-target';
import { parseTarget } from '../../targets/spec/parse';
import { parseSyntax } from '../../targets/spec/syntax';
import { ArchWriter, type WriterValue } from '../../targets/spec/writer';

const KEYWORDS = new Set(['target', 'extends', 'param', 'attr', 'memory', 'compute', 'link', 'true', 'false']);
const ident = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/).filter((s) => !KEYWORDS.has(s));
const unit = fc.constantFrom('MHz', 'KiB', 'MB/s', 'GB/s', 'pJ', 'B');
const value: fc.Arbitrary<WriterValue> = fc.oneof(
  fc.record({ num: fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e30, noNaN: true })) }),
  fc.record({ num: fc.nat(1e6), unit }),
  fc.record({ ref: ident }),
  fc.record({ ident }),
  fc.record({ str: fc.string({ maxLength: 12 }) }),
  fc.record({ list: fc.array(ident, { maxLength: 3 }) }),
);
const trail = fc.constantFrom('', '   # a comment', ' # x = 1 { }');
const assign = fc.record({ name: ident, v: value, trail, attr: fc.boolean() });

/** The grammar's tree of a text, without the writer's help. */
function grammarTree(text: string): unknown {
  const r = parseSyntax(text);
  expect(r.ok).toBe(true);
  return JSON.parse(JSON.stringify(r.ok ? r.target : null));
}

describe('ArchWriter', () => {
  it('writes the tree the grammar parses from its text, spans included (300 random targets)', () => {
    const target = fc.record({
      name: ident,
      desc: fc.string({ maxLength: 20 }),
      params: fc.array(fc.record({ name: ident, v: value, trail }), { maxLength: 3 }),
      sets: fc.array(assign, { maxLength: 3 }),
      units: fc.array(fc.record({ section: fc.constantFrom('memory' as const, 'compute' as const), name: ident, kind: ident, items: fc.array(assign, { maxLength: 3 }) }), { maxLength: 3 }),
      links: fc.array(fc.tuple(ident, fc.array(fc.array(ident, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 })), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(target, (t) => {
        const w = new ArchWriter(t.name, t.desc, ['# generated', '']);
        for (const p of t.params) w.param(p.name, p.v, p.trail);
        for (const a of t.sets) w.set(a.name, a.v, a.trail, a.attr);
        for (const u of t.units) w.unit(u.section, u.name, u.kind, (b) => u.items.forEach((a) => b.set(a.name, a.v, a.trail, a.attr)));
        w.comment('  # links');
        for (const [from, hops] of t.links) w.link(from, ...hops);
        const out = w.finish();
        expect(out.target).not.toBeNull();
        expect(JSON.parse(JSON.stringify(out.target))).toEqual(grammarTree(out.text));
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('withholds the tree of a number the grammar reads otherwise', () => {
    for (const num of [Infinity, Number.NaN, -3]) {
      const out = new ArchWriter('t', 'd').param('p', { num }).finish();
      expect(out.target).toBeNull();
    }
  });
});

describe('SCALE-Sim .cfg as a target', () => {
  const cfg = (o: Record<string, string | number>) =>
    `[general]\nrun_name = ${o.run}\n\n[architecture_presets]\nArrayHeight: ${o.h}\nArrayWidth: ${o.w}\nIfmapSramSzkB: ${o.i}\nFilterSramSzkB: ${o.f}\nOfmapSramSzkB: ${o.o}\nIfmapOffset: 0\nFilterOffset: 10000000\nOfmapOffset: 20000000\nBandwidth: ${o.bw}\nDataflow: ${o.df}\nMemoryBanks: ${o.banks}\n\n[run_presets]\nInterfaceBandwidth: ${o.ib}\n`;
  const config = fc.record({
    run: fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/),
    h: fc.integer({ min: 1, max: 512 }),
    w: fc.integer({ min: 1, max: 512 }),
    i: fc.integer({ min: 1, max: 1 << 20 }),
    f: fc.integer({ min: 1, max: 1 << 20 }),
    o: fc.integer({ min: 1, max: 1 << 20 }),
    bw: fc.integer({ min: 1, max: 1 << 16 }),
    df: fc.constantFrom('ws', 'os', 'is'),
    banks: fc.integer({ min: 1, max: 64 }),
    ib: fc.constantFrom('CALC', 'USER'),
  });

  it('the generated tree equals the grammar parse, and the spec equals the spec parsed from the saved text (200 random .cfg files)', () => {
    fc.assert(
      fc.property(config, fc.integer({ min: 1, max: 4000 }), fc.constantFrom('tessera' as const, 'scalesim' as const), (o, clockMhz, foldTiming) => {
        const parsed = parseScaleSimConfig(cfg(o), 'x.cfg');
        expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        const opts = { clockMhz, foldTiming, source: `${o.run}.cfg` };
        const { text, target } = scaleSimArchSyntax(parsed.config!, opts);
        expect(text).toBe(scaleSimArch(parsed.config!, opts));
        expect(JSON.parse(JSON.stringify(target))).toEqual(grammarTree(text));
        // the seeded parse and a parse of the same text saved and edited by one space (no seed applies) agree
        const seeded = scaleSimSpec(parsed.config!, opts, 'a.arch');
        const fresh = parseTarget(`${text} `, 'a.arch');
        expect(fresh.spec).not.toBeNull();
        expect(seeded).toEqual(fresh.spec);
      }),
      { numRuns: 200, seed: 11 },
    );
  });
});
