// The closed form for ragged partitions (every part iterated, m = m1*M0 + m0) against brute force,
// and at a size brute force cannot reach.
import { describe, expect, it } from 'vitest';
import { pointCounts } from '../../compiler/analysis/points';
import { parseCascade } from '../../compiler/lang';

const cascade = (m: number, m0: number) =>
  parseCascade(`rank M = ${m}, E = 3\nrank M -> M1, M0 = ${m0}\ninput K[E, M]: fp32\nBK[e, m1, m0] = K[e, m1*M0+m0]\noutput BK\n`).cascade!;

describe('iteration points of a ragged partition', () => {
  it('equal a brute-force count of the guarded points', () => {
    for (const [m, m0] of [[37, 8], [64, 8], [1, 4], [5, 16], [100, 7]] as const) {
      const c = cascade(m, m0);
      let brute = 0;
      const m1 = Math.ceil(m / m0);
      for (let a = 0; a < m1; a++) for (let b = 0; b < m0; b++) if (a * m0 + b < m) brute += 3; // e has 3 values
      expect(pointCounts(c, c.einsums[0]!).points, `M=${m}, M0=${m0}`).toBe(brute);
    }
  });

  it('are counted in closed form at 2^32 keys', () => {
    const c = cascade(2 ** 32, 16);
    expect(pointCounts(c, c.einsums[0]!).points).toBe(3 * 2 ** 32);
  });
});
