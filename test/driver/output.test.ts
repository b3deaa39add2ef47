import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outputFolder, safeSegment, writeOutput } from '../../compiler/driver/output';
import { UserError } from '../../compiler/driver/user-error';

const fresh = (): string => mkdtempSync(join(tmpdir(), 'tessera-out-'));

describe('safe output names', () => {
  it('makes one segment of anything an input can name', () => {
    expect(safeSegment('../../x')).toBe('__.._x'); // '/' -> '_', leading dots -> '_'
    for (const bad of ['../../x', '..', '.', '/etc/passwd', 'a/b\\c', 'x\u0000y', '', '   ', '.hidden'])
      expect(safeSegment(bad)).not.toMatch(/^\.{1,2}$|[/\\\u0000]|^\./);
    expect(Buffer.byteLength(safeSegment('é'.repeat(300)))).toBeLessThanOrEqual(120);
    expect(safeSegment('gpt2_google')).toBe('gpt2_google');
  });

  it('keeps run_name = ../../x inside the output folder', () => {
    const root = fresh();
    const out = join(root, 'out');
    const dir = outputFolder(out, '../../x');
    expect(dir.startsWith(out)).toBe(true);
    writeOutput(join(dir, 'r.csv'), 'a\n');
    expect(readdirSync(root)).toEqual(['out']);
  });

  it('refuses a planted symlink that leads out of the output folder', () => {
    const root = fresh();
    const outside = join(root, 'outside');
    const out = join(root, 'out');
    outputFolder(outside, 'x');
    outputFolder(out, 'keep');
    symlinkSync(outside, join(out, 'run'));
    expect(() => outputFolder(out, 'run')).toThrow(UserError);
  });

  it('replaces a planted symlink at the destination instead of writing through it', () => {
    const root = fresh();
    const victim = join(root, 'victim.txt');
    writeFileSync(victim, 'keep me');
    const dest = join(root, 'report.csv');
    symlinkSync(victim, dest);
    writeOutput(dest, 'new');
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
    expect(lstatSync(dest).isSymbolicLink()).toBe(false);
    expect(readFileSync(dest, 'utf8')).toBe('new');
  });

  it('turns file-system errors into plain messages naming the path', () => {
    const root = fresh();
    const file = join(root, 'f');
    writeFileSync(file, '');
    expect(() => writeOutput('/nonexistent-dir/t.json', '')).toThrow(/nonexistent-dir\/t.json: cannot write: the folder does not exist/);
    expect(() => outputFolder(file, 'x')).toThrow(UserError); // --outdir names a file
    expect(() => writeOutput(root, 'x')).toThrow(/is a folder/);
    expect(existsSync(join(root, 'f'))).toBe(true);
  });
});
