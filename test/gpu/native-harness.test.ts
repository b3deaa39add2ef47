// Runs the harness's own Python tests (shape lists, JSON writer, missing-torch error, generator
// determinism, committed synthetic file == generator output) with the system python3.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('native harness (pure-Python parts)', () => {
  it('python3 -m unittest native/tests', () => {
    const r = spawnSync('python3', ['-m', 'unittest', 'discover', '-s', 'native/tests'], { encoding: 'utf8' });
    if (r.error) {
      console.warn(`native harness tests not run: no python3 (${r.error.message})`);
      return;
    }
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/OK/);
  });
});
