// Parser invariants over arbitrary text (fast-check): every parser of a user's file either succeeds
// or returns located diagnostics; it never throws, and every location it reports lies inside the
// text. Arbitrary strings, and seed files with a random slice replaced, so both shallow and deep
// paths of each grammar are reached.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../compiler/ir';
import { parseCascade } from '../../compiler/lang';
import { ConfigError, parseModelConfig } from '../../compiler/graph/config';
import { parseScaleSimConfig } from '../../sim/spatial/scalesim/config';
import { parseTopology } from '../../sim/spatial/scalesim/topology';
import { parseTarget } from '../../targets/spec';

/** A seed text with a random slice replaced by random text. */
const spliced = (seed: string) =>
  fc.tuple(fc.nat(seed.length), fc.nat(40), fc.string({ unit: 'grapheme-composite', maxLength: 40 })).map(([at, cut, ins]) => seed.slice(0, at) + ins + seed.slice(at + cut));
const inputs = (seed: string) => fc.oneof(fc.string({ unit: 'grapheme-composite', maxLength: 200 }), spliced(seed));

function locatedInside(ds: readonly Diagnostic[], text: string): void {
  const lines = text.split(/\r\n|\r|\n/).length;
  for (const d of ds) {
    expect(typeof d.message).toBe('string');
    if (d.loc) {
      expect(d.loc.line).toBeGreaterThanOrEqual(1);
      expect(d.loc.line).toBeLessThanOrEqual(lines + 1);
      expect(d.loc.col).toBeGreaterThanOrEqual(1);
    }
  }
}

const RUNS = { numRuns: 300, seed: 20261205 };

describe('parsers never throw on arbitrary text', () => {
  it('.ein', () => {
    const seed = readFileSync('examples/attention/attention-1pass.ein', 'utf8');
    fc.assert(fc.property(inputs(seed), (t) => {
      const r = parseCascade(t, 'x.ein');
      expect(r.cascade !== undefined || r.diagnostics.some((d) => d.severity === 'error')).toBe(true);
      locatedInside(r.diagnostics, t);
    }), RUNS);
  });

  it('.arch', () => {
    const seed = readFileSync('targets/tpu-v1/tpu-v1.arch', 'utf8');
    fc.assert(fc.property(inputs(seed), (t) => {
      const r = parseTarget(t, 'x.arch');
      expect(r.spec !== null || r.diagnostics.some((d) => d.severity === 'error')).toBe(true);
      locatedInside(r.diagnostics, t);
    }), RUNS);
  });

  it('SCALE-Sim .cfg and topology .csv', () => {
    const cfg = readFileSync('data/scalesim/google.cfg', 'utf8');
    const csv = readFileSync('data/scalesim/alexnet.csv', 'utf8');
    fc.assert(fc.property(inputs(cfg), inputs(csv), (c, t) => {
      const a = parseScaleSimConfig(c, 'x.cfg');
      expect(a.config !== null || a.diagnostics.length > 0).toBe(true);
      locatedInside(a.diagnostics, c);
      locatedInside(parseTopology(t, 'x.csv').diagnostics, t);
    }), RUNS);
  });

  it('model config.json: a spec or a ConfigError, nothing else', () => {
    const seed = readFileSync('data/models/llama-2-7b.json', 'utf8');
    fc.assert(fc.property(inputs(seed), (t) => {
      try {
        expect(parseModelConfig(t, 'c.json').layers).toBeGreaterThan(0);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
      }
    }), RUNS);
  });
});
