// Tokens of the .ein language. Newlines are tokens: the language is line-oriented, and the parser
// splits the token stream into statements at them so that one bad line cannot hide errors in another.
import { createToken, Lexer, type TokenType } from 'chevrotain';

export const Newline = createToken({ name: 'Newline', pattern: /\r\n|\r|\n/, line_breaks: true });
export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\f\v\u00a0\ufeff]+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: 'Comment', pattern: /#[^\r\n]*/, group: Lexer.SKIPPED });

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/ });
// Keywords are also identifiers (category), so `input` can still be the index variable of a rank `Input`;
// statements are told apart by the token after the keyword.
const keyword = (word: string) => createToken({ name: word[0]!.toUpperCase() + word.slice(1), pattern: new RegExp(word), longer_alt: Identifier, categories: [Identifier] });
export const Rank = keyword('rank');
export const Input = keyword('input');
export const Weight = keyword('weight');
export const Kvcache = keyword('kvcache');
export const Init = keyword('init');
export const Output = keyword('output');

export const NumberLit = createToken({ name: 'Number', pattern: /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/ });

export const Arrow = createToken({ name: 'Arrow', pattern: /->/ });
export const Le = createToken({ name: 'Le', pattern: /<=/ });
export const Ge = createToken({ name: 'Ge', pattern: />=/ });
export const EqEq = createToken({ name: 'EqEq', pattern: /==/ });
export const Ne = createToken({ name: 'Ne', pattern: /!=/ });
export const Lt = createToken({ name: 'Lt', pattern: /</ });
export const Gt = createToken({ name: 'Gt', pattern: />/ });
export const Equals = createToken({ name: 'Equals', pattern: /=/ });
export const Plus = createToken({ name: 'Plus', pattern: /\+/ });
export const Minus = createToken({ name: 'Minus', pattern: /-/ });
export const Star = createToken({ name: 'Star', pattern: /\*/ });
export const Slash = createToken({ name: 'Slash', pattern: /\// });
export const LParen = createToken({ name: 'LParen', pattern: /\(/ });
export const RParen = createToken({ name: 'RParen', pattern: /\)/ });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/ });
export const RBracket = createToken({ name: 'RBracket', pattern: /]/ });
export const Comma = createToken({ name: 'Comma', pattern: /,/ });
export const Colon = createToken({ name: 'Colon', pattern: /:/ });

export const allTokens: TokenType[] = [
  Newline,
  WhiteSpace,
  Comment,
  Rank,
  Input,
  Weight,
  Kvcache,
  Init,
  Output,
  Identifier,
  NumberLit,
  Arrow,
  Le,
  Ge,
  EqEq,
  Ne,
  Lt,
  Gt,
  Equals,
  Plus,
  Minus,
  Star,
  Slash,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Colon,
];

/** The lexer options; built without chevrotain's validations of the token set (test/lang/grammar.test.ts runs them). */
export const LEXER_CONFIG = { positionTracking: 'onlyStart', ensureOptimizations: true } as const;
export const einLexer = new Lexer(allTokens, { ...LEXER_CONFIG, skipValidations: true });

/** How a token type reads in an error message. */
export const TOKEN_TEXT: Record<string, string> = {
  Newline: 'end of line',
  Identifier: 'a name',
  Number: 'a number',
  Arrow: "'->'",
  Le: "'<='",
  Ge: "'>='",
  EqEq: "'=='",
  Ne: "'!='",
  Lt: "'<'",
  Gt: "'>'",
  Equals: "'='",
  Plus: "'+'",
  Minus: "'-'",
  Star: "'*'",
  Slash: "'/'",
  LParen: "'('",
  RParen: "')'",
  LBracket: "'['",
  RBracket: "']'",
  Comma: "','",
  Colon: "':'",
  Rank: "'rank'",
  Input: "'input'",
  Weight: "'weight'",
  Kvcache: "'kvcache'",
  Init: "'init'",
  Output: "'output'",
  EOF: 'end of line',
};
