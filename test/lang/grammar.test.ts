// The .ein grammar passes chevrotain's own validations (no ambiguous alternatives, no left recursion,
// no unreachable rules). The tool builds its parser without them (they are most of the build cost), so
// this is where a grammar change that breaks them fails; the validated parser then reads a statement
// the same way as the one the tool uses.
import { describe, expect, it } from 'vitest';
import { Lexer } from 'chevrotain';
import { allTokens, einLexer, LEXER_CONFIG } from '../../compiler/lang/tokens';
import { EinParser } from '../../compiler/lang/parser';

describe('the .ein grammar', () => {
  it("passes chevrotain's grammar validations", () => {
    // with validations on, chevrotain throws "Parser Definition Errors detected" on any of them
    expect(() => new EinParser(true)).not.toThrow();
  });

  it("the token set passes chevrotain's lexer validations (no unreachable or empty patterns)", () => {
    // with validations on, the Lexer throws on any definition error
    const lexer = new Lexer(allTokens, LEXER_CONFIG);
    expect(lexer.lexerDefinitionErrors).toEqual([]);
    const text = 'rank M = 4\nZ[m]: fp32 = A[m] * 2.5e-3 # note\n';
    expect(JSON.stringify(lexer.tokenize(text).tokens.map((t) => [t.image, t.tokenType.name]))).toBe(JSON.stringify(einLexer.tokenize(text).tokens.map((t) => [t.image, t.tokenType.name])));
  });

  it('the validated and the unvalidated parser build the same statement', () => {
    const line = 'Z[m, n]: fp32 = A[m, k] * B[k, n] + max(C[m, n], 0.5) / D[n]';
    const parse = (p: EinParser) => {
      p.begin(einLexer.tokenize(line).tokens);
      const s = p.statement();
      expect(p.errors).toEqual([]);
      return JSON.stringify(s);
    };
    expect(parse(new EinParser(true))).toBe(parse(new EinParser()));
  });
});
