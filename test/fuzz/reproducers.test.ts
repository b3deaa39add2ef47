// Every reproducer issue 20 lists ends in a plain refusal (exit 1) or a correct answer. The bound
// here is 30 s because the suite runs test files side by side on two cores; `npm run fuzz --
// --reproducers` measures them alone against 10 s (docs/RELIABILITY.md).
import { afterAll, describe, expect, it } from 'vitest';
import { Runner } from '../../fuzz/harness';
import { checkReproducers, reproducers } from '../../fuzz/reproducers';

const runner = new Runner(2048);
afterAll(() => runner.close());

describe('the fuzzing reproducers', () => {
  it('each gives a plain message or a correct answer, in bounded time', async () => {
    const rs = await checkReproducers((argv, ms) => runner.run(argv, ms), 30_000);
    console.log(`slowest reproducer: ${Math.max(...rs.map((r) => r.ms)).toFixed(0)} ms`);
    expect(rs.length).toBe(reproducers().length);
    expect(rs.filter((r) => !r.ok).map((r) => `${r.name}: ${r.why}`)).toEqual([]);
  }, 600_000);
});
