// The shipped attention cascades (examples/attention) at other sizes and dtypes, so every test that
// needs attention text runs exactly what the examples teach.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AttentionShape {
  E: number;
  F: number;
  M: number;
  P: number;
  /** the key tile of the 2- and 1-pass cascades; ignored by the 3-pass one */
  M0?: number;
}

const root = join(import.meta.dirname, '../..');

/** The example text of the `passes`-pass cascade with the sizes of `s` and every declared dtype set to `dtype`. */
export function attentionEin(passes: 1 | 2 | 3, s: AttentionShape, dtype = 'fp32'): string {
  const text = readFileSync(join(root, `examples/attention/attention-${passes}pass.ein`), 'utf8');
  const out = text
    .replace(/^rank E = \d+, F = \d+, M = \d+, P = \d+$/m, `rank E = ${s.E}, F = ${s.F}, M = ${s.M}, P = ${s.P}`)
    .replace(/^rank M -> M1, M0 = \d+$/m, `rank M -> M1, M0 = ${s.M0 ?? 1}`)
    .replace(/: fp32$/gm, `: ${dtype}`);
  if (!out.includes(`M = ${s.M}, P = ${s.P}`)) throw new Error(`examples/attention/attention-${passes}pass.ein no longer has the rank line this helper rewrites`);
  return out;
}
