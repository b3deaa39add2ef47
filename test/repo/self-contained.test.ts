// The repository stands alone: no file points outside it at the sibling folder the project was
// started beside, and every file under data/ has its source in its folder's README.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

// Spelled in pieces so that this file does not match itself.
const OUTSIDE = ['..' + '/shared', '/work' + '/shared'];
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git']);

/** Repository files relative to `dir`: the tracked ones when git answers, else a walk (no build output). */
function repoFiles(dir: string): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '-z'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
    return out.split('\0').filter((f) => f !== '' && existsSync(join(dir, f)));
  } catch {
    return walk(dir).map((f) => relative(dir, f));
  }
}

function walk(dir: string): string[] {
  const files: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) files.push(...walk(p));
    else if (e.isFile()) files.push(p);
  }
  return files;
}

/** `path: line: text` for every line of a text file that names a path outside the repository. */
function outsideReferences(path: string, text: string): string[] {
  if (text.includes('\0')) return []; // binary
  const hits: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (OUTSIDE.some((s) => line.includes(s))) hits.push(`${path}:${i + 1}: ${line.trim()}`);
  });
  return hits;
}

/** Files of a data folder that its README does not name as `file` (in backticks, as a whole name). */
function unnamedFiles(files: string[], readme: string): string[] {
  return files.filter((f) => f !== 'README.md' && !readme.includes('`' + f + '`'));
}

describe('the checks can fail', () => {
  it('outsideReferences finds both spellings, with the line number', () => {
    const text = `ok\nconst d = '../../..${'/shared'}/data/models';\nsee /work${'/shared'}/DESIGN.md\nshared memory`;
    expect(outsideReferences('x.ts', text)).toEqual([
      `x.ts:2: const d = '../../..${'/shared'}/data/models';`,
      `x.ts:3: see /work${'/shared'}/DESIGN.md`,
    ]);
    expect(outsideReferences('y.md', 'smem or shared memory; data/models/gpt2.json')).toEqual([]);
  });

  it('unnamedFiles wants the exact name in backticks', () => {
    const readme = '| `a.csv` | x |\n| `dir/b.csv` | y |\nc.csv mentioned bare';
    expect(unnamedFiles(['README.md', 'a.csv', 'b.csv', 'c.csv'], readme)).toEqual(['b.csv', 'c.csv']);
  });
});

describe('the repository is self-contained', () => {
  const files = repoFiles(root);

  it('finds the repository files', () => {
    expect(files).toContain('package.json');
    expect(files).toContain('data/models/llama-2-7b.json');
    expect(files.some((f) => f.startsWith('node_modules/'))).toBe(false);
  });

  it('no file refers to the sibling shared folder', () => {
    const hits = files.filter((f) => statSync(join(root, f)).size < 4 << 20).flatMap((f) => outsideReferences(f, readFileSync(join(root, f), 'utf8')));
    expect(hits).toEqual([]);
  });

  it('every data folder has a README naming each of its files', () => {
    const folders = readdirSync(join(root, 'data'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders).toEqual(expect.arrayContaining(['models', 'scalesim', 'gpu-published']));
    for (const folder of folders) {
      const dir = join(root, 'data', folder);
      const readme = join(dir, 'README.md');
      expect(existsSync(readme), `data/${folder}/README.md`).toBe(true);
      const names = walk(dir).map((f) => relative(dir, f));
      expect(unnamedFiles(names, readFileSync(readme, 'utf8')), `data/${folder}`).toEqual([]);
    }
  });
});
