// The examples/engines walkthrough: a family registered from the example folder runs the target that
// names it, and prints the recorded output. The roofline figure is checked by hand as well.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain-JavaScript example (it ships as data in the package)
import { walkthrough } from '../../examples/engines/run.mjs';

const dir = join(import.meta.dirname, '../../examples/engines');

describe('examples/engines', () => {
  it('prints expected-output.txt', () => {
    expect(walkthrough()).toBe(readFileSync(join(dir, 'expected-output.txt'), 'utf8'));
  });

  it("the GEMM's cycle figure is the roofline worked in the README", () => {
    // A 64x80 and B 80x48 in bf16 from DRAM at 10 B/cycle; 64*48*80 MACs on 32x32 PEs
    const memory = Math.ceil((64 * 80 * 2 + 80 * 48 * 2) / 10);
    const compute = Math.ceil((64 * 48 * 80) / (32 * 32));
    // Y = Z·Z writes 64*48 fp32 to DRAM: the analytic cost it keeps
    const y = Math.ceil((64 * 48 * 4) / 10);
    expect(walkthrough()).toContain(`cycle: ${Math.max(memory, compute) + y} cycles (Z ${Math.max(memory, compute)}, Y ${y})`);
  });
});
