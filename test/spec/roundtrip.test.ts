// parse(print(spec)) equals spec for arbitrary valid specs: the printer must pick units that
// reproduce every base-unit number exactly, quote what needs quoting, and lose nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalTargetJson, parseTarget, printTarget, targetsEqual, type AttrValue, type ComputeSpec, type MemorySpec, type TargetSpec } from '../../targets/spec';

const RESERVED = new Set(['capacity', 'instances', 'banks', 'width', 'bandwidth', 'latency', 'energy', 'read_energy', 'write_energy', 'rows', 'cols', 'lanes', 'count', 'regs', 'dataflow', 'ops', 'mac_energy', 'clock', 'target', 'param', 'attr', 'memory', 'compute', 'link', 'true', 'false']);
const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/).filter((s) => !RESERVED.has(s));
const text = fc.stringMatching(/^[ -~]{0,16}$/);
const pos = fc.double({ min: 1e-6, max: 1e16, noNaN: true, noDefaultInfinity: true });
const nonneg = fc.oneof(fc.constant(0), pos);
const posInt = fc.integer({ min: 1, max: 1 << 20 });
const BASE_UNITS = ['Hz', 'B', 'B/s', 'pJ', 'pJ/B', 's', 'cycles', 'FLOP/s'];

const attrEntry = fc.oneof(
  fc.tuple(fc.double({ min: -1e15, max: 1e15, noNaN: true, noDefaultInfinity: true }), fc.option(fc.constantFrom(...BASE_UNITS), { nil: undefined })),
  fc.tuple(fc.oneof(text, fc.boolean(), fc.array(text, { maxLength: 3 })), fc.constant(undefined)),
);
const attrs = fc.dictionary(name, attrEntry, { maxKeys: 3 }).map((d) => {
  const values: Record<string, AttrValue> = {};
  const units: Record<string, string> = {};
  for (const [k, [v, u]] of Object.entries(d)) {
    values[k] = v;
    if (u !== undefined && typeof v === 'number') units[k] = u;
  }
  return { values, units };
});

const memory = (n: string) =>
  fc
    .record({
      kind: fc.constantFrom('regfile', 'sram', 'hbm', 'dram', 'ddr', 'flash' as const),
      capacityBytes: fc.option(fc.integer({ min: 1, max: 2 ** 45 }), { nil: undefined }),
      instances: fc.option(posInt, { nil: undefined }),
      banks: fc.option(posInt, { nil: undefined }),
      widthBits: fc.option(fc.integer({ min: 1, max: 8192 }), { nil: undefined }),
      bandwidthBytesPerSecond: fc.option(pos, { nil: undefined }),
      latencyCycles: fc.option(fc.integer({ min: 0, max: 10000 }), { nil: undefined }),
      readEnergyPjPerByte: fc.option(nonneg, { nil: undefined }),
      writeEnergyPjPerByte: fc.option(nonneg, { nil: undefined }),
      attrs,
    })
    .map(({ attrs: a, ...m }) => {
      const out: MemorySpec = { name: n, ...m, attrs: a.values };
      if (Object.keys(a.units).length) out.attrUnits = a.units;
      // the fields each kind must have
      if ((m.kind === 'regfile' || m.kind === 'sram') && out.capacityBytes === undefined) out.capacityBytes = 1024;
      if (m.kind !== 'regfile' && m.kind !== 'sram' && out.bandwidthBytesPerSecond === undefined) out.bandwidthBytesPerSecond = 1e9;
      for (const k of Object.keys(out) as (keyof MemorySpec)[]) if (out[k] === undefined) delete out[k];
      return out;
    });

const compute = (n: string) =>
  fc
    .record({
      kind: fc.constantFrom('array2d', 'array1d', 'vector', 'lut', 'dsp', 'sm' as const),
      rows: posInt,
      cols: posInt,
      lanes: fc.option(posInt, { nil: undefined }),
      count: fc.option(posInt, { nil: undefined }),
      regs: fc.option(posInt, { nil: undefined }),
      dataflow: fc.option(fc.constantFrom('os', 'ws', 'is' as const), { nil: undefined }),
      ops: fc.array(fc.constantFrom('mul', 'add', 'max', 'exp', 'div'), { maxLength: 4 }),
      macEnergyPj: fc.option(nonneg, { nil: undefined }),
      attrs,
    })
    .map(({ attrs: a, rows, cols, ...c }) => {
      const out: ComputeSpec = { name: n, ...c, attrs: a.values };
      if (Object.keys(a.units).length) out.attrUnits = a.units;
      if (c.kind === 'array2d') Object.assign(out, { rows, cols });
      else if (c.kind === 'sm') out.count ??= 1;
      else out.lanes ??= 1;
      if (c.kind !== 'array2d' && c.kind !== 'array1d' && c.kind !== 'vector') delete out.dataflow;
      for (const k of Object.keys(out) as (keyof ComputeSpec)[]) if (out[k] === undefined) delete out[k];
      return out;
    });

const target = fc
  .record({
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/).filter((s) => !RESERVED.has(s)),
    description: text,
    clockHz: pos,
    nMem: fc.integer({ min: 1, max: 4 }),
    nCmp: fc.integer({ min: 1, max: 3 }),
    linkBw: fc.option(pos, { nil: undefined }),
    attrs,
    params: fc.dictionary(name, fc.oneof(fc.integer({ min: -100, max: 100000 }), fc.constantFrom('ws', 'os'), fc.boolean()), { maxKeys: 3 }),
  })
  .chain((t) =>
    fc.tuple(fc.constant(t), fc.tuple(...Array.from({ length: t.nMem }, (_, i) => memory(`M${i}`))), fc.tuple(...Array.from({ length: t.nCmp }, (_, i) => compute(`C${i}`)))),
  )
  .map(([t, memories, computes]) => {
    const links = memories.slice(1).map((m, i) => ({ from: memories[i].name, to: [m.name] }));
    links.push({ from: memories[memories.length - 1].name, to: computes.map((c) => c.name) });
    if (t.linkBw !== undefined) for (const l of links) Object.assign(l, { bandwidthBytesPerSecond: t.linkBw });
    const spec: TargetSpec = { name: t.name, description: t.description, clockHz: t.clockHz, memories, computes, links, attrs: t.attrs.values };
    if (Object.keys(t.attrs.units).length) spec.attrUnits = t.attrs.units;
    if (Object.keys(t.params).length) spec.params = t.params;
    return spec;
  });

describe('.arch printer', () => {
  it('parse(print(spec)) equals spec', () => {
    fc.assert(
      fc.property(target, (spec) => {
        const printed = printTarget(spec);
        const r = parseTarget(printed, 'p.arch');
        if (r.diagnostics.length) throw new Error(`${printed}\n${JSON.stringify(r.diagnostics)}`);
        expect(canonicalTargetJson(r.spec!)).toBe(canonicalTargetJson(spec));
        expect(targetsEqual(r.spec!, spec)).toBe(true);
      }),
      { numRuns: 150, seed: 20261122 },
    );
  });

  it('equality ignores locations but not attributes that happen to be called loc or file', () => {
    const a = parseTarget('target x { clock = 1 GHz\n attr file = "a"\n memory D : hbm { bandwidth = 1 GB/s }\n compute P : vector { lanes = 4 }\n link D -> P }', 'a.arch').spec!;
    const b = parseTarget('target x {\n\n clock = 1 GHz; attr file = "b"; memory D : hbm { bandwidth = 1 GB/s }; compute P : vector { lanes = 4 }; link D -> P }', 'b.arch').spec!;
    const c = parseTarget('target x { clock = 1 GHz; attr file = "a"; memory D : hbm { bandwidth = 1 GB/s }; compute P : vector { lanes = 4 }; link D -> P }', 'c.arch').spec!;
    expect(targetsEqual(a, b)).toBe(false);
    expect(targetsEqual(a, c)).toBe(true);
  });

  it('prints readable units where they are exact', () => {
    const spec = parseTarget('target x { clock = 940 MHz\n memory D : hbm { bandwidth = 400 GiB/s }\n memory G : sram { capacity = 16 MiB; width = 4096 bit; energy = 12.5 pJ/B }\n compute P : vector { lanes = 4; mac_energy = 1.5 pJ }\n link D -> G -> P }', 'x.arch').spec!;
    expect(printTarget(spec)).toBe(
      [
        'target x "" {',
        '  clock = 940 MHz',
        '  memory D : hbm {',
        '    bandwidth = 400 GiB/s',
        '  }',
        '  memory G : sram {',
        '    capacity = 16 MiB',
        '    width = 4096 bit',
        '    energy = 12.5 pJ/B',
        '  }',
        '  compute P : vector {',
        '    lanes = 4',
        '    mac_energy = 1.5 pJ',
        '  }',
        '  link D -> G',
        '  link G -> P',
        '}',
        '',
      ].join('\n'),
    );
  });
});
