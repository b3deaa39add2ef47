// The .arch grammar (ohm-js). Newlines are ordinary whitespace; `;` may separate statements.
// A unit is any word after a number that is not a keyword and not followed by `=` (which would make
// it the next statement's attribute name), so unknown units reach the semantic checks with a location.
import * as ohm from 'ohm-js';

export const ARCH_GRAMMAR_SOURCE = String.raw`
Arch {
  File = Target

  Target = "target" targetName Extends? string? "{" Stmt* "}"
  Extends = "extends" (string | targetName)

  Stmt = ParamStmt | AttrStmt | MemoryStmt | ComputeStmt | LinkStmt | Assign | ";"

  ParamStmt = "param" ident "=" Value
  AttrStmt = "attr" ident "=" Value
  Assign = ident "=" Value
  MemoryStmt = "memory" ident ":" ident Block?
  ComputeStmt = "compute" ident ":" ident Block?
  LinkStmt = "link" ident LinkHop+ Block?
  LinkHop = "->" LinkEnd
  LinkEnd = "{" NonemptyListOf<ident, ","> "}"  -- group
          | ident                               -- one

  Block = "{" BlockItem* "}"
  BlockItem = AttrStmt | Assign | ";"

  Value = List | string | bool | Quantity | ident
  List = "[" ListOf<ListItem, ","> "]"
  ListItem = string | ident

  Quantity = Expr Unit?
  Unit = ~keyword unitName ~"="

  Expr = Expr "+" Term  -- add
       | Expr "-" Term  -- sub
       | Term
  Term = Term "*" Factor  -- mul
       | Term "/" Factor  -- div
       | Factor
  Factor = "(" Expr ")"  -- paren
         | "-" Factor    -- neg
         | number
         | paramRef

  paramRef = "$" ident
  number (a number)
    = digit+ ("." digit+)? exponent?  -- whole
         | "." digit+ exponent?            -- frac
  exponent = ("e" | "E") ("+" | "-")? digit+
  bool = ("true" | "false") ~identPart
  string (a string) = "\"" strChar* "\""
  strChar = "\\" any  -- escaped
          | ~("\"" | "\n" | "\\") any  -- plain
  unitName (a unit) = letter alnum* ("/" letter alnum*)? ~identPart
  targetName (a target name) = ~keyword letter (alnum | "_" | "-")*
  ident (a name) = ~keyword letter identPart*
  identPart = alnum | "_"
  keyword = ("target" | "extends" | "param" | "attr" | "memory" | "compute" | "link" | "true" | "false") ~identPart

  space += comment
  comment = "#" (~"\n" any)*
}
`;

// Built on first use, not at module load: compiling the grammar text costs ~150 ms, and most commands
// never read an .arch file. The built package (bin/build.mjs) defines __ARCH_GRAMMAR_RECIPE__ as the
// grammar's ohm recipe, computed from ARCH_GRAMMAR_SOURCE at build time, which ohm turns back into the
// same grammar in under a millisecond; from the sources (tsx, vitest) the text is compiled.
declare const __ARCH_GRAMMAR_RECIPE__: string | undefined;

let grammar: ohm.Grammar | undefined;

export function archGrammar(): ohm.Grammar {
  if (grammar === undefined) {
    const recipe = typeof __ARCH_GRAMMAR_RECIPE__ === 'string' ? __ARCH_GRAMMAR_RECIPE__ : undefined;
    grammar = recipe !== undefined ? archGrammarFromRecipe(recipe) : ohm.grammar(ARCH_GRAMMAR_SOURCE);
  }
  return grammar;
}

/** The grammar as an ohm recipe (what bin/build.mjs compiles in). */
export function archGrammarRecipe(): string {
  // toRecipe is part of ohm-js's Grammar but missing from its types
  return (archGrammar() as unknown as { toRecipe(): string }).toRecipe();
}

/** The grammar from a recipe (`archGrammar().toRecipe()`), as the build stores it. */
export function archGrammarFromRecipe(recipe: string): ohm.Grammar {
  // makeRecipe is exported by ohm-js (its generated grammar bundles use it) but missing from its types
  return (ohm as unknown as { makeRecipe(recipe: string): ohm.Grammar }).makeRecipe(recipe);
}
