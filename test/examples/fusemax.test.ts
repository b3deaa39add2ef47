// examples/fusemax: the walkthrough's commands still print what expected-output.txt says, and what the
// README tells students to notice still holds.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCascadeFile } from '../../compiler/lang';
import { formatResult, simulateCascade } from '../../compiler/driver/pipeline';

const expected = readFileSync('examples/fusemax/expected-output.txt', 'utf8').split('\n\n');
const run = (file: string, target: string) => formatResult(simulateCascade(loadCascadeFile(file), { target }));

describe('examples/fusemax walkthrough', () => {
  const fusemax1 = run('examples/fusemax/attention-1pass.ein', 'fusemax');
  const flat3 = run('examples/fusemax/attention-3pass.ein', 'flat');
  const flat1 = run('examples/fusemax/attention-1pass.ein', 'flat');

  it('prints the expected output', () => {
    expect(fusemax1.trim()).toBe(expected[0]!.trim());
    expect(flat3.trim()).toBe(expected[1]!.trim());
    expect(flat1.trim()).toBe(expected[2]!.trim());
  });

  it('FuseMax keeps the 2D array busy; FLAT waits on its 1D array', () => {
    // one head: the DRAM fill before the first tile and the last write weigh on it (README)
    expect(fusemax1).toMatch(/PE2D 79\.\d%/);
    expect(flat3).toMatch(/PE2D 11\.\d%, PE1D 9\d\.\d%/);
    expect(flat3).toMatch(/the PE1D is the bottleneck and PE2D waits 87\.5% of the time/);
    expect(flat3).toMatch(/3 passes over M/);
  });

  it('FLAT cannot run the 1-pass binding: 1-deep registers', () => {
    expect(flat1).toMatch(/PE2D PEs have 1 register/);
  });
});
