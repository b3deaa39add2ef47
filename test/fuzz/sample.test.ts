// The CI sample of the fuzzing campaign: seeded mutants of every input format through every command
// that reads it, each bounded in time and memory. None may end in an internal error, a time-out or
// running out of memory (docs/RELIABILITY.md has the full campaign's figures).
import { describe, expect, it } from 'vitest';
import { formats } from '../../fuzz/formats';
import { fuzzFormat } from '../../fuzz/harness';

const COUNT = Number(process.env.TESSERA_FUZZ_COUNT ?? 60);

describe('fuzzing sample: every format, every command', () => {
  for (const f of formats())
    it(`${f.name}: ${COUNT} mutants end in ok or a plain refusal`, async () => {
      const rs = await fuzzFormat(f, { count: COUNT, seed: 20261205, timeoutMs: 20_000, memoryMb: 1024, minimise: false });
      expect(rs.length).toBe(COUNT * f.commands.length);
      const bad = rs.filter((r) => r.outcome !== 'ok' && r.outcome !== 'refused').map((r) => `${r.outcome} ${r.file} [${r.ops.join(', ')}] ${r.command.join(' ')}: ${r.message}`);
      expect(bad).toEqual([]);
      // The sample exercises both sides: some mutants are still valid, some are refused.
      expect(rs.some((r) => r.outcome === 'refused')).toBe(true);
    }, 600_000);
});
