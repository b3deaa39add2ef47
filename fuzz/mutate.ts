// Seeded mutators for text inputs: the kinds of damage a user (or a bad generator) does to a file.
// Each mutator takes the text and a uniform stream in [0, 1) and returns new text; `mutate` applies
// one to three of them. Same seed, same mutant, so every finding has a reproducer by seed alone.
import { uniformRng } from '../compiler/ir/prng';

export type Rng = () => number;
type Mutator = { name: string; apply: (s: string, r: Rng) => string };

const pick = <T>(xs: readonly T[], r: Rng): T => xs[Math.floor(r() * xs.length)]!;
const at = (s: string, r: Rng): number => Math.floor(r() * (s.length + 1));

/** Tokens: identifiers, numbers, single punctuation; whitespace kept apart so text re-joins exactly. */
export function tokens(s: string): string[] {
  return s.match(/[A-Za-z_][A-Za-z0-9_]*|[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|\s+|./gsu) ?? [];
}

function mapToken(s: string, r: Rng, f: (t: string[], i: number) => void): string {
  const t = tokens(s);
  const solid = t.map((x, i) => [x, i] as const).filter(([x]) => !/^\s+$/.test(x));
  if (solid.length === 0) return s;
  f(t, pick(solid, r)[1]);
  return t.join('');
}

const NUMBERS = ['0', '-1', '-0', '1e308', '1e309', '-1e308', '9007199254740993', '4294967296', '1000000000', 'NaN', 'Infinity', '-Infinity', '0.5', '1e-320', '0x10', '99999999999999999999999'];
const WEIRD = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '\u00e9', '\u{1F600}', '\u202e', '\u0000', '\ufeff', '"', "'", '\\', '{', '}', '[', ']', '(', ')', ',', ';', ':', '='];

export const MUTATORS: readonly Mutator[] = [
  { name: 'flip-byte', apply: (s, r) => { const i = at(s, r) % Math.max(1, s.length); return s.slice(0, i) + String.fromCharCode((s.charCodeAt(i) || 32) ^ (1 << Math.floor(r() * 7))) + s.slice(i + 1); } },
  { name: 'truncate', apply: (s, r) => s.slice(0, at(s, r)) },
  { name: 'delete-token', apply: (s, r) => mapToken(s, r, (t, i) => { t[i] = ''; }) },
  { name: 'duplicate-token', apply: (s, r) => mapToken(s, r, (t, i) => { t[i] = t[i]! + ' ' + t[i]!; }) },
  { name: 'swap-tokens', apply: (s, r) => mapToken(s, r, (t, i) => { const j = Math.floor(r() * t.length); [t[i], t[j]] = [t[j]!, t[i]!]; }) },
  { name: 'number', apply: (s, r) => { const t = tokens(s); const nums = t.map((x, i) => [x, i] as const).filter(([x]) => /^[0-9]/.test(x)); if (nums.length === 0) return s; t[pick(nums, r)[1]] = pick(NUMBERS, r); return t.join(''); } },
  { name: 'weird-token', apply: (s, r) => mapToken(s, r, (t, i) => { t[i] = pick(WEIRD, r); }) },
  { name: 'insert-weird', apply: (s, r) => { const i = at(s, r); return s.slice(0, i) + pick(WEIRD, r) + s.slice(i); } },
  { name: 'duplicate-line', apply: (s, r) => { const l = s.split('\n'); const i = Math.floor(r() * l.length); l.splice(i, 0, ...Array(1 + Math.floor(r() * 50)).fill(l[i])); return l.join('\n'); } },
  { name: 'delete-line', apply: (s, r) => { const l = s.split('\n'); l.splice(Math.floor(r() * l.length), 1); return l.join('\n'); } },
  { name: 'deep-nesting', apply: (s, r) => { const i = at(s, r); const n = 200 + Math.floor(r() * 5000); const [o, c] = pick([['(', ')'], ['[', ']'], ['{', '}'], ['-', '']], r); return s.slice(0, i) + o!.repeat(n) + '1' + c!.repeat(n) + s.slice(i); } },
  { name: 'long-line', apply: (s, r) => { const i = at(s, r); return s.slice(0, i) + pick(['a', '9', ' ', 'x+'], r).repeat(100_000 + Math.floor(r() * 900_000)) + s.slice(i); } },
  { name: 'long-chain', apply: (s, r) => mapToken(s, r, (t, i) => { if (/^[A-Za-z_]\w{0,63}$/.test(t[i]!)) t[i] = Array(500 + Math.floor(r() * 2000)).fill(t[i]).join(' + '); }) },
];

/** Longest mutant (characters): stacked mutators (a long line, then a chain of it) stay bounded. */
const MAX_MUTANT = 4 << 20;

/** A mutant of `seedText`: one to three mutators chosen by the seed. Returns the text and their names. */
export function mutate(seedText: string, seed: number): { text: string; ops: string[] } {
  const r = uniformRng(seed);
  let text = seedText;
  const ops: string[] = [];
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) {
    const m = pick(MUTATORS, r);
    text = m.apply(text, r).slice(0, MAX_MUTANT);
    ops.push(m.name);
  }
  return { text, ops };
}

/** JSON-aware mutations for JSON formats: a value replaced deep inside the document. */
export function mutateJson(seedText: string, seed: number): { text: string; ops: string[] } {
  const r = uniformRng(seed ^ 0x5bd1e995);
  if (r() < 0.5) return mutate(seedText, seed);
  let doc: unknown;
  try {
    doc = JSON.parse(seedText);
  } catch {
    return mutate(seedText, seed);
  }
  const replacements: (() => unknown)[] = [
    () => null, () => -1, () => 1e308, () => 2 ** 53 + 2, () => 4294967296, () => 'x', () => [], () => ({}), () => true,
    () => JSON.parse('{"__proto__": {"polluted": 1}}'), () => NESTED,
  ];
  const paths = leafPaths(doc);
  if (paths.length === 0) return mutate(seedText, seed);
  const path = pick(paths, r);
  const ops = [`json:${path.join('.')}`];
  setPath(doc, path, pick(replacements, r)());
  const depth = 2000 + Math.floor(r() * 4000);
  return { text: JSON.stringify(doc).replace(`"${NESTED}"`, '['.repeat(depth) + '1' + ']'.repeat(depth)), ops };
}

/** Stands for an array nested thousands deep, spliced into the text (JSON.stringify would overflow). */
const NESTED = '@@tessera-fuzz-nested@@';

function leafPaths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (out.length > 5000) return out;
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) leafPaths(x, [...prefix, Array.isArray(v) ? Number(k) : k], out);
    if (prefix.length > 0) out.push(prefix);
  } else if (prefix.length > 0) out.push(prefix);
  return out;
}

function setPath(doc: unknown, path: (string | number)[], value: unknown): void {
  let o = doc as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[path[path.length - 1]!] = value;
}
