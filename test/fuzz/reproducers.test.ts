// Every reproducer issue 20 lists ends within 10 s in a plain refusal (exit 1) or a correct answer.
import { afterAll, describe, expect, it } from 'vitest';
import { Runner } from '../../fuzz/harness';
import { checkReproducers, reproducers } from '../../fuzz/reproducers';

const runner = new Runner(2048);
afterAll(() => runner.close());

describe('the fuzzing reproducers', () => {
  it('each gives a plain message or a correct answer within 10 s', async () => {
    const rs = await checkReproducers((argv, ms) => runner.run(argv, ms));
    expect(rs.length).toBe(reproducers().length);
    expect(rs.filter((r) => !r.ok).map((r) => `${r.name}: ${r.why}`)).toEqual([]);
  }, 600_000);
});
