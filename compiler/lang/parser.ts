// The chevrotain parser for one .ein statement (one line). It builds IR fragments directly and records
// problems it can judge locally (unknown function or dtype, bad numbers) as diagnostics; whole-cascade
// checks are finalize's job.
import { EmbeddedActionsParser, EOF, tokenMatcher, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';
import { DTYPES, error, sparsityPatternProblem, type NMSparsity, type Access, type DeclaredRole, type Diagnostic, type DType, type Einsum, type Expr, type IndexExpr, type ReduceOp, type SourceLoc, type Tensor } from '../ir';
import { MAX_RANK_SIZE } from '../ir/finalize';
import { closest, FUNCTION_ARITY, INF_WORD, isDType, isReduceOp, isUnaryOp } from './names';
import * as T from './tokens';

export interface NameRef {
  name: string;
  loc: SourceLoc;
}

/** `M = 64`, or `M = S` (an alias: size 0 here, S's size once finalized). */
export interface RankDecl {
  name: string;
  size: number;
  loc: SourceLoc;
  aliasOf?: NameRef;
}

export type Stmt =
  | { kind: 'ranks'; ranks: RankDecl[] }
  | { kind: 'partition'; parent: NameRef; parts: { name: string; size?: number; loc: SourceLoc }[] }
  | { kind: 'decl'; tensor: Tensor }
  | { kind: 'einsum'; einsum: Einsum; reduceList?: { vars: NameRef[]; loc: SourceLoc } }
  | { kind: 'output'; names: NameRef[] };

export function tokLoc(t: IToken): SourceLoc {
  return { line: t.startLine ?? 1, col: t.startColumn ?? 1, length: Math.max(1, t.image.length) };
}

/** The span from the first character of `a` to the last of `b` (both on one line). */
export function spanLoc(a: IToken, b: IToken): SourceLoc {
  const len = b.startOffset + b.image.length - a.startOffset;
  return { line: a.startLine ?? 1, col: a.startColumn ?? 1, length: Math.max(1, len) };
}

export function describeToken(t: IToken): string {
  if (tokenMatcher(t, EOF) || tokenMatcher(t, T.Newline)) return 'the end of the line';
  if (tokenMatcher(t, T.NumberLit)) return `number ${t.image}`;
  if (tokenMatcher(t, T.Identifier)) return `'${t.image}'`;
  return `'${t.image}'`;
}

function tokenText(tt: TokenType): string {
  return T.TOKEN_TEXT[tt.name] ?? tt.name;
}

function uniqueFirsts(paths: TokenType[][]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    const first = p[0];
    if (!first) continue;
    const s = tokenText(first);
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

function orList(xs: string[]): string {
  if (xs.length <= 1) return xs[0] ?? 'something else';
  return `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;
}

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual }) => `expected ${tokenText(expected)} but found ${describeToken(actual)}`,
  buildNotAllInputParsedMessage: ({ firstRedundant }) => `unexpected ${describeToken(firstRedundant)}`,
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual, ruleName }) => {
    const found = describeToken(actual[0]!);
    if (ruleName === 'statement') return `expected a statement but found ${found}`;
    if (ruleName === 'unaryExpr' || ruleName === 'primary') return `expected an expression but found ${found}`;
    if (ruleName === 'indexAtom') return `expected an index (a variable, an integer or a rank size) but found ${found}`;
    return `expected ${orList(uniqueFirsts(expectedPathsPerAlt.flat()))} but found ${found}`;
  },
  buildEarlyExitMessage: ({ expectedIterationPaths, actual }) => `expected ${orList(uniqueFirsts(expectedIterationPaths))} but found ${describeToken(actual[0]!)}`,
};

// Chevrotain takes its alternatives as objects; building them through these calls keeps the closures
// anonymous, which matters under tsx/esbuild keepNames (it would otherwise rename every closure per call).
function alt<T>(fn: () => T): { ALT: () => T } {
  return { ALT: fn };
}
function sep(SEP: TokenType, DEF: () => void): { SEP: TokenType; DEF: () => void } {
  return { SEP, DEF };
}
function gated<T>(GATE: () => boolean, DEF: () => T): { GATE: () => boolean; DEF: () => T } {
  return { GATE, DEF };
}

const CMP_TOKENS: [TokenType, '<' | '<=' | '>' | '>=' | '==' | '!='][] = [
  [T.Lt, '<'],
  [T.Le, '<='],
  [T.Gt, '>'],
  [T.Ge, '>='],
  [T.EqEq, '=='],
  [T.Ne, '!='],
];

export class EinParser extends EmbeddedActionsParser {
  /** Problems found while parsing the current statement. */
  problems: Diagnostic[] = [];
  /** Set when a problem makes the statement unusable (it is then left out of the cascade). */
  fatal = false;
  /** Names whose definition was dropped because of a problem: errors that only follow from that are not reported. */
  poisoned: string[] = [];
  /** Set when a problem already explains the syntax error that follows it. */
  explainsSyntax = false;
  /** Number nodes written as a bare literal (so `-2` folds into one number but `-(2)` stays a negation). */
  private literals = new WeakSet<Expr>();

  /** `validate`: run chevrotain's grammar validations (ambiguities, left recursion) while building the
   *  parser; a test does (test/lang/grammar.test.ts), the tool skips them (two thirds of the build cost). */
  constructor(validate = false) {
    super(T.allTokens, { recoveryEnabled: false, maxLookahead: 3, skipValidations: !validate, errorMessageProvider: messages });
    this.performSelfAnalysis();
  }

  begin(tokens: IToken[]): void {
    this.input = tokens;
    this.problems = [];
    this.fatal = false;
    this.explainsSyntax = false;
    this.poisoned = [];
  }

  private problem(code: string, message: string, loc: SourceLoc, hint?: string, fatal = true): void {
    this.problems.push(error(code, message, loc, hint));
    if (fatal) this.fatal = true;
  }

  statement = this.RULE('statement', (): Stmt =>
    this.OR([
      alt(() => this.SUBRULE(this.rankStmt)),
      alt(() => this.SUBRULE(this.declStmt)),
      alt(() => this.SUBRULE(this.outputStmt)),
      alt(() => this.SUBRULE(this.einsumStmt)),
    ]),
  );

  private rankStmt = this.RULE('rankStmt', (): Stmt => {
    this.CONSUME(T.Rank);
    const first = this.CONSUME(T.Identifier);
    return this.OR([
      alt(() => {
        this.CONSUME(T.Arrow);
        const parts: { name: string; size?: number; loc: SourceLoc }[] = [];
        this.AT_LEAST_ONE_SEP(sep(T.Comma, () => {
          const name = this.CONSUME2(T.Identifier);
          const size = this.OPTION(() => {
            this.CONSUME(T.Equals);
            return this.CONSUME(T.NumberLit);
          });
          this.ACTION(() => {
            const part: { name: string; size?: number; loc: SourceLoc } = { name: name.image, loc: tokLoc(name) };
            if (!this.checkRankName(name)) this.fatal = true;
            if (size) {
              const n = this.rankSize(size);
              if (n !== undefined) part.size = n;
              else this.fatal = true;
            }
            parts.push(part);
          });
        }));
        return this.ACTION((): Stmt => ({ kind: 'partition', parent: { name: first.image, loc: tokLoc(first) }, parts }));
      }),
      alt(() => {
        const ranks: RankDecl[] = [];
        const add = (name: IToken, size: IToken) =>
          this.ACTION(() => {
            if (tokenMatcher(size, T.Identifier)) {
              // `rank M = S`: an alias of S
              if (this.checkRankName(name)) ranks.push({ name: name.image, size: 0, loc: tokLoc(name), aliasOf: { name: size.image, loc: tokLoc(size) } });
              else this.poisoned.push(name.image);
              return;
            }
            const n = this.rankSize(size);
            if (this.checkRankName(name) && n !== undefined) ranks.push({ name: name.image, size: n, loc: tokLoc(name) });
            else this.poisoned.push(name.image);
          });
        this.CONSUME2(T.Equals);
        add(first, this.SUBRULE(this.rankValue));
        this.MANY(() => {
          this.CONSUME(T.Comma);
          const name = this.CONSUME3(T.Identifier);
          this.CONSUME3(T.Equals);
          add(name, this.SUBRULE2(this.rankValue));
        });
        return { kind: 'ranks', ranks };
      }),
    ]);
  });

  /** A rank's size, or the name of the rank it aliases. */
  private rankValueAlts = [alt(() => this.CONSUME(T.NumberLit)), alt(() => this.CONSUME(T.Identifier))];
  private rankValue = this.RULE('rankValue', (): IToken => this.OR(this.rankValueAlts));

  private declStmt = this.RULE('declStmt', (): Stmt => {
    const kw = this.OR([alt(() => this.CONSUME(T.Input)), alt(() => this.CONSUME(T.Weight)), alt(() => this.CONSUME(T.Kvcache))]);
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.LBracket);
    const dims: IToken[] = [];
    this.MANY_SEP(sep(T.Comma, () => dims.push(this.CONSUME2(T.Identifier))));
    const rb = this.CONSUME(T.RBracket);
    this.CONSUME(T.Colon);
    const dt = this.CONSUME3(T.Identifier);
    const sp = this.OPTION(() => this.SUBRULE(this.sparseSpec));
    return this.ACTION((): Stmt => {
      for (const d of dims)
        if (!/^[A-Z]/.test(d.image))
          this.problem('bad-declaration', `dimensions of a declared tensor are rank names, but ${d.image} is not one`, tokLoc(d), `write the rank (upper-case), e.g. ${name.image}[${dims.map((x) => x.image.toUpperCase()).join(', ')}]`);
      const dtype = this.dtype(dt) ?? 'fp32';
      const tensor: Tensor = { name: name.image, role: kw.image as DeclaredRole, dtype, dims: dims.map((d) => ({ rank: d.image, extent: 0 })), loc: spanLoc(name, rb) };
      const sparsity = sp && this.sparsity(sp);
      if (sparsity) tensor.sparsity = sparsity;
      return { kind: 'decl', tensor };
    });
  });

  /** `sparse(N:M, RANK)` after a declaration's dtype: a weight pruned to N of every M along RANK (ir/sparsity.ts). */
  private sparseSpec = this.RULE('sparseSpec', () => {
    const word = this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    const n = this.CONSUME(T.NumberLit);
    this.CONSUME(T.Colon);
    const m = this.CONSUME2(T.NumberLit);
    this.CONSUME(T.Comma);
    const rank = this.CONSUME2(T.Identifier);
    const rp = this.CONSUME(T.RParen);
    return { word, n, m, rank, rp };
  });

  private sparsity(sp: { word: IToken; n: IToken; m: IToken; rank: IToken; rp: IToken }): NMSparsity | undefined {
    const loc = spanLoc(sp.word, sp.rp);
    if (sp.word.image !== 'sparse') {
      this.problem('bad-declaration', `after the element type a declaration takes only sparse(N:M, RANK), not ${sp.word.image}`, tokLoc(sp.word), 'e.g. weight W[K, N]: int4 sparse(8:16, K)');
      return undefined;
    }
    const [n, m] = [Number(sp.n.image), Number(sp.m.image)];
    const bad = sparsityPatternProblem(n, m);
    if (bad) {
      this.problem('bad-sparsity', bad, loc, 'FlightLLM runs 2:16, 4:16 and 8:16; NVIDIA sparse tensor cores 2:4');
      return undefined;
    }
    if (!/^[A-Z]/.test(sp.rank.image)) {
      this.problem('bad-sparsity', `the pruned dimension is a rank name, but ${sp.rank.image} is not one`, tokLoc(sp.rank), `write the rank (upper-case), e.g. sparse(${n}:${m}, ${sp.rank.image.toUpperCase()})`);
      return undefined;
    }
    return { n, m, rank: sp.rank.image, loc };
  }

  private outputStmt = this.RULE('outputStmt', (): Stmt => {
    this.CONSUME(T.Output);
    const names: NameRef[] = [];
    this.AT_LEAST_ONE_SEP(sep(T.Comma, () => {
      const t = this.CONSUME(T.Identifier);
      this.ACTION(() => names.push({ name: t.image, loc: tokLoc(t) }));
    }));
    return { kind: 'output', names };
  });

  private einsumStmt = this.RULE('einsumStmt', (): Stmt => {
    // `init X[...] = ...` starts an init einsum; `init[...] = ...` writes a tensor named init.
    const init = this.OPTION(gated(() => !tokenMatcher(this.LA(2), T.LBracket), () => this.CONSUME(T.Init)));
    const output = this.SUBRULE(this.access);
    const lhsEnd = this.ACTION(() => this.LA(0));
    const dt = this.OPTION2(() => {
      this.CONSUME(T.Colon);
      return this.CONSUME(T.Identifier);
    });
    this.CONSUME(T.Equals);
    const spec = this.OPTION3(gated(() => this.atReduceSpec(), () => this.SUBRULE(this.reduceSpec)));
    const expr = this.SUBRULE(this.expr);
    return this.ACTION((): Stmt => {
      const first = init ?? this.input[0]!; // the statement starts with `init` or with the output access
      const last = dt ?? lhsEnd;
      const einsum: Einsum = { output, reduce: 'sum', expr, init: init !== undefined, loc: spanLoc(first, last) };
      if (dt) {
        const d = this.dtype(dt, false);
        if (d) einsum.dtype = d;
      }
      if (!spec) return { kind: 'einsum', einsum };
      einsum.reduce = spec.op.image as ReduceOp;
      return { kind: 'einsum', einsum, reduceList: { vars: spec.vars.map((v) => ({ name: v.image, loc: tokLoc(v) })), loc: spanLoc(spec.lp, spec.rp) } };
    });
  });

  private reduceSpec = this.RULE('reduceSpec', () => {
    const op = this.CONSUME(T.Identifier);
    const lp = this.CONSUME(T.LParen);
    const vars: IToken[] = [];
    this.MANY_SEP(sep(T.Comma, () => vars.push(this.CONSUME2(T.Identifier))));
    const rp = this.CONSUME(T.RParen);
    return { op, vars, lp, rp };
  });

  /**
   * `max(m) QK[m, p]` (a reduction) against `max(a, b)` (a map function): a reduce operator, a parenthesized
   * list of bare names, then the start of an expression. A following `-` means subtraction when the
   * operator could be the two-argument max/min: `max(a, b) - 1`.
   */
  private atReduceSpec(): boolean {
    const op = this.LA(1);
    if (!tokenMatcher(op, T.Identifier) || !isReduceOp(op.image) || !tokenMatcher(this.LA(2), T.LParen)) return false;
    let i = 3;
    let n = 0;
    if (!tokenMatcher(this.LA(i), T.RParen)) {
      for (;;) {
        if (!tokenMatcher(this.LA(i), T.Identifier)) return false;
        n++;
        i++;
        if (tokenMatcher(this.LA(i), T.Comma)) i++;
        else break;
      }
      if (!tokenMatcher(this.LA(i), T.RParen)) return false;
    }
    const next = this.LA(i + 1);
    if (tokenMatcher(next, T.Identifier) || tokenMatcher(next, T.NumberLit) || tokenMatcher(next, T.LParen)) return true;
    if (tokenMatcher(next, T.Minus)) return !((op.image === 'max' || op.image === 'min') && n === 2);
    return false;
  }

  private access = this.RULE('access', (): Access => {
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.LBracket);
    const indices: IndexExpr[] = [];
    this.MANY_SEP(sep(T.Comma, () => indices.push(this.SUBRULE(this.indexExpr))));
    const rb = this.CONSUME(T.RBracket);
    return this.ACTION(() => ({ tensor: name.image, indices, loc: spanLoc(name, rb) }));
  });

  private indexExpr = this.RULE('indexExpr', (): IndexExpr => {
    const start = this.LA(1);
    let left = this.SUBRULE(this.indexTerm);
    this.MANY(() => {
      const op = this.OR(this.plusMinusAlts);
      const right = this.SUBRULE2(this.indexTerm);
      this.ACTION(() => (left = { kind: 'ibin', op: op.image as '+' | '-', a: left, b: right, loc: spanLoc(start, this.LA(0)) }));
    });
    return left;
  });

  private indexTerm = this.RULE('indexTerm', (): IndexExpr => {
    const start = this.LA(1);
    let left = this.SUBRULE(this.indexAtom);
    this.MANY(() => {
      this.CONSUME(T.Star);
      const right = this.SUBRULE2(this.indexAtom);
      this.ACTION(() => (left = { kind: 'ibin', op: '*', a: left, b: right, loc: spanLoc(start, this.LA(0)) }));
    });
    return left;
  });

  private indexAtomAlts = [
    alt(() => {
      const n = this.CONSUME(T.NumberLit);
      return this.ACTION((): IndexExpr => ({ kind: 'int', value: this.indexInt(n, n, false), loc: tokLoc(n) }));
    }),
    alt(() => {
      const minus = this.CONSUME(T.Minus);
      const n = this.CONSUME2(T.NumberLit);
      return this.ACTION((): IndexExpr => ({ kind: 'int', value: this.indexInt(minus, n, true), loc: spanLoc(minus, n) }));
    }),
    alt(() => {
      // a gather: the value of an integer tensor at a point selects the index (WTE[TOK[b, s], d])
      const id = this.CONSUME2(T.Identifier);
      this.CONSUME(T.LBracket);
      const indices: IndexExpr[] = [];
      this.MANY_SEP(sep(T.Comma, () => indices.push(this.SUBRULE2(this.indexExpr))));
      const rb = this.CONSUME(T.RBracket);
      return this.ACTION((): IndexExpr => {
        const loc = spanLoc(id, rb);
        return { kind: 'gather', access: { tensor: id.image, indices, loc }, loc };
      });
    }),
    alt(() => {
      const id = this.CONSUME(T.Identifier);
      return this.ACTION((): IndexExpr => (/^[A-Z]/.test(id.image) ? { kind: 'rsize', rank: id.image, loc: tokLoc(id) } : { kind: 'ivar', name: id.image, loc: tokLoc(id) }));
    }),
    alt(() => {
      this.CONSUME(T.LParen);
      const e = this.SUBRULE(this.indexExpr);
      this.CONSUME(T.RParen);
      return e;
    }),
  ];
  private indexAtom = this.RULE('indexAtom', (): IndexExpr => this.OR(this.indexAtomAlts));

  // Alternatives built once: chevrotain accepts the same array on every call, which saves an allocation per token.
  private cmpAlts = CMP_TOKENS.map(([tt]) => alt(() => this.CONSUME(tt)));
  private plusMinusAlts = [alt(() => this.CONSUME(T.Plus)), alt(() => this.CONSUME(T.Minus))];
  private starSlashAlts = [alt(() => this.CONSUME(T.Star)), alt(() => this.CONSUME(T.Slash))];

  private expr = this.RULE('expr', (): Expr => {
    const start = this.LA(1);
    let left = this.SUBRULE(this.addExpr);
    this.MANY(() => {
      const op = this.OR(this.cmpAlts);
      const right = this.SUBRULE2(this.addExpr);
      this.ACTION(() => {
        const cmp = CMP_TOKENS.find(([tt]) => tokenMatcher(op, tt))![1];
        left = { kind: 'cmp', op: cmp, a: left, b: right, loc: spanLoc(start, this.LA(0)) };
      });
    });
    return left;
  });

  private addExpr = this.RULE('addExpr', (): Expr => {
    const start = this.LA(1);
    let left = this.SUBRULE(this.mulExpr);
    this.MANY(() => {
      const op = this.OR(this.plusMinusAlts);
      const right = this.SUBRULE2(this.mulExpr);
      this.ACTION(() => (left = { kind: 'binary', op: op.image as '+' | '-', a: left, b: right, loc: spanLoc(start, this.LA(0)) }));
    });
    return left;
  });

  private mulExpr = this.RULE('mulExpr', (): Expr => {
    const start = this.LA(1);
    let left = this.SUBRULE(this.unaryExpr);
    this.MANY(() => {
      const op = this.OR(this.starSlashAlts);
      const right = this.SUBRULE2(this.unaryExpr);
      this.ACTION(() => (left = { kind: 'binary', op: op.image as '*' | '/', a: left, b: right, loc: spanLoc(start, this.LA(0)) }));
    });
    return left;
  });

  private unaryAlts = [
    alt(() => {
      const minus = this.CONSUME(T.Minus);
      const arg = this.SUBRULE(this.unaryExpr);
      return this.ACTION((): Expr => {
        const loc = spanLoc(minus, this.LA(0));
        // `-2` and `-inf` are numbers; `-(2)` and `-x` are negations.
        if (arg.kind === 'num' && this.literals.has(arg)) return { kind: 'num', value: -arg.value, loc };
        return { kind: 'unary', op: 'neg', arg, loc };
      });
    }),
    alt(() => this.SUBRULE(this.primary)),
  ];
  private unaryExpr = this.RULE('unaryExpr', (): Expr => this.OR(this.unaryAlts));

  // After a name: an access, a call, or the bare name (an index variable, a rank size, inf).
  private nameTailAlts = [
    alt(() => {
      const id = this.LA(0);
      this.CONSUME(T.LBracket);
      const indices: IndexExpr[] = [];
      this.MANY_SEP(sep(T.Comma, () => indices.push(this.SUBRULE(this.indexExpr))));
      const rb = this.CONSUME(T.RBracket);
      return this.ACTION((): Expr => {
        const loc = spanLoc(id, rb);
        return { kind: 'access', access: { tensor: id.image, indices, loc }, loc };
      });
    }),
    alt(() => {
      const id = this.LA(0);
      this.CONSUME2(T.LParen);
      const args: Expr[] = [];
      this.MANY_SEP2(sep(T.Comma, () => args.push(this.SUBRULE2(this.expr))));
      const rp = this.CONSUME2(T.RParen);
      return this.ACTION(() => this.call(id, args, spanLoc(id, rp)));
    }),
    alt(() =>
      this.ACTION((): Expr => {
        const id = this.LA(0);
        const loc = tokLoc(id);
        if (id.image === INF_WORD) return this.literal(Infinity, loc);
        return /^[A-Z]/.test(id.image) ? { kind: 'rsize', rank: id.image, loc } : { kind: 'ivar', name: id.image, loc };
      }),
    ),
  ];
  private primaryAlts = [
    alt(() => {
      const n = this.CONSUME(T.NumberLit);
      return this.ACTION(() => this.literal(this.exprNumber(n), tokLoc(n)));
    }),
    alt(() => {
      this.CONSUME(T.LParen);
      const e = this.SUBRULE(this.expr);
      this.CONSUME(T.RParen);
      this.ACTION(() => this.literals.delete(e));
      return e;
    }),
    alt(() => {
      this.CONSUME(T.Identifier);
      return this.OR2(this.nameTailAlts);
    }),
  ];
  private primary = this.RULE('primary', (): Expr => this.OR(this.primaryAlts));

  // ---- semantic helpers (run only inside ACTION)

  private literal(value: number, loc: SourceLoc): Expr {
    const e: Expr = { kind: 'num', value, loc };
    this.literals.add(e);
    return e;
  }

  private call(id: IToken, args: Expr[], loc: SourceLoc): Expr {
    const name = id.image;
    const arity = FUNCTION_ARITY.get(name);
    const placeholder: Expr = { kind: 'num', value: 0, loc };
    if (arity === undefined) {
      if (isReduceOp(name)) {
        this.problem('bad-reduce', `${name}(...) here is neither a function nor a reduction`, tokLoc(id), `a reduction comes first on the right-hand side: Y[p] = ${name}(m) X[m, p]; for the larger of two values use max(a, b)`);
        this.explainsSyntax = true;
      } else {
        const near = closest(name, FUNCTION_ARITY.keys());
        this.problem('unknown-function', `unknown function ${name}`, tokLoc(id), near ? `did you mean ${near}?` : `functions: ${[...FUNCTION_ARITY.keys()].join(', ')}`);
      }
      return placeholder;
    }
    if (args.length !== arity) {
      const plural = arity === 1 ? 'argument' : 'arguments';
      const extra = (name === 'max' || name === 'min') && args.length === 1 ? `; to reduce, list the index variables: Y[p] = ${name}(m) X[m, p]` : '';
      this.problem('bad-arity', `${name} takes ${arity} ${plural} but is given ${args.length}`, loc, `${name}(${['a', 'b', 'c'].slice(0, arity).join(', ')})${extra}`);
      if (extra) this.explainsSyntax = true;
      return placeholder;
    }
    if (name === 'select') return { kind: 'select', cond: args[0]!, a: args[1]!, b: args[2]!, loc };
    if (name === 'max' || name === 'min') return { kind: 'binary', op: name, a: args[0]!, b: args[1]!, loc };
    if (isUnaryOp(name)) return { kind: 'unary', op: name, arg: args[0]!, loc };
    return placeholder;
  }

  private exprNumber(t: IToken): number {
    const v = Number(t.image);
    if (!Number.isFinite(v)) this.problem('bad-number', `number ${t.image} is too large`, tokLoc(t), 'write inf for infinity', false);
    else if (v === 0 && /[1-9]/.test(t.image.replace(/[eE].*$/, ''))) this.problem('bad-number', `number ${t.image} is too small and would round to 0`, tokLoc(t), 'write 0 if you mean zero', false);
    return Number.isFinite(v) ? v : 0;
  }

  private indexInt(first: IToken, n: IToken, negative: boolean): number {
    const v = Number(n.image);
    if (!Number.isSafeInteger(v)) {
      const what = Number.isInteger(v) ? 'is too large' : 'must be an integer';
      this.problem('bad-number', `index constant ${negative ? '-' : ''}${n.image} ${what}`, spanLoc(first, n), 'indices are integers: variables, integer constants and rank sizes combined with + - *');
      return 0;
    }
    return negative ? -v : v;
  }

  private rankSize(t: IToken): number | undefined {
    const v = Number(t.image);
    if (Number.isSafeInteger(v) && v >= 1 && v <= MAX_RANK_SIZE) return v;
    if (Number.isInteger(v) && v >= 1) {
      this.problem('bad-rank-size', `rank size ${t.image} is too large`, tokLoc(t), `a rank has at most 2^40 = ${MAX_RANK_SIZE} index values`, false);
      return undefined;
    }
    this.problem('bad-rank-size', `rank size ${t.image} is not a positive integer`, tokLoc(t), 'a rank size is a whole number of index values, e.g. 64', false);
    return undefined;
  }

  private checkRankName(t: IToken): boolean {
    if (t.image.toLowerCase() === INF_WORD) {
      this.problem('bad-rank', `rank ${t.image} would have the index variable ${INF_WORD}, which means infinity`, tokLoc(t), 'choose another name', false);
      return false;
    }
    return true;
  }

  private dtype(t: IToken, fatal = true): DType | undefined {
    if (isDType(t.image)) return t.image;
    const near = closest(t.image, DTYPES);
    this.problem('unknown-dtype', `unknown element type ${t.image}`, tokLoc(t), near ? `did you mean ${near}?` : `element types: ${DTYPES.join(', ')}`, fatal);
    return undefined;
  }
}
