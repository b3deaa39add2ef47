// The built package compiles the .arch grammar in as an ohm recipe (bin/build.mjs), which ohm turns
// back into a grammar in under a millisecond; the sources compile the grammar text. The two must be
// the same grammar: every built-in target and a set of broken texts give the same concrete syntax
// tree, or fail at the same place expecting the same things, through both.
import { readFileSync } from 'node:fs';
import type * as ohm from 'ohm-js';
import { describe, expect, it } from 'vitest';
import { builtinTargetFiles } from '../../targets/spec';
import { ARCH_GRAMMAR_SOURCE, archGrammar, archGrammarFromRecipe, archGrammarRecipe } from '../../targets/spec/grammar';

/** The whole concrete syntax tree of a match: rule names, iterations, terminals with their text and place. */
function cst(g: ohm.Grammar, text: string, rule?: string): unknown {
  const m = g.match(text, rule);
  if (m.failed()) return { failedAt: m.getRightmostFailurePosition(), expected: m.getExpectedText() };
  const s = g.createSemantics().addOperation<unknown>('dump', {
    _nonterminal(...children) {
      return [this.ctorName, this.source.startIdx, children.map((c) => c.dump())];
    },
    _terminal() {
      return [this.sourceString, this.source.startIdx];
    },
    _iter(...children) {
      return ['*', children.map((c) => c.dump())];
    },
  });
  return s(m).dump();
}

const BROKEN = [
  'target t { memory m : sram { capacity = 4 KiB } ',
  'target t { param = 3 }',
  'target t { x = (1 + 2 }',
  'target t extends { }',
  'target t { link a -> -> b }',
  'target t { attr s = "open }',
];

describe('the .arch grammar from its recipe (the built package) is the grammar from its text (the sources)', () => {
  const fromText = archGrammar();
  const fromRecipe = archGrammarFromRecipe(archGrammarRecipe());

  it('is built once, on first use', () => {
    expect(archGrammar()).toBe(fromText);
    expect(fromRecipe).not.toBe(fromText);
    expect(ARCH_GRAMMAR_SOURCE).toContain('Arch {');
  });

  for (const { name, path } of builtinTargetFiles()) {
    it(`${name}.arch: the same tree`, () => {
      const text = readFileSync(path, 'utf8');
      const a = cst(fromText, text);
      expect(a).not.toHaveProperty('failedAt');
      expect(cst(fromRecipe, text)).toEqual(a);
    });
  }

  it('broken texts: the same failure place and expectations', () => {
    for (const text of BROKEN) {
      const a = cst(fromText, text) as { failedAt: number; expected: string };
      expect(a.failedAt, text).toBeGreaterThan(0);
      expect(cst(fromRecipe, text)).toEqual(a);
    }
  });

  it('lone values (--param overrides) parse alike', () => {
    for (const v of ['128', '216 KiB', '-(2 * $rows)', 'true', '"x"', '1.5e9 B/s', '[mul, add]', '12 zz']) expect(cst(fromRecipe, v, 'Value')).toEqual(cst(fromText, v, 'Value'));
  });
});
