// Progress: on a terminal a count bar for whole-model cycle runs (ops simulated) and a solver bar for ILP
// solves (incumbent, bound, gap); nothing with --json, nothing into a pipe. The content is read from a
// stand-in terminal stream; the silence from a real child process whose stderr is a pipe.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { mapStage, resolveTarget } from '../../compiler/driver/pipeline';
import { countProgress, mipGap, showProgress, solverProgress, type ProgressStream } from '../../compiler/driver/progress';
import { loadCascadeFile } from '../../compiler/lang';

const root = join(import.meta.dirname, '../..');

/** A terminal that records what is written to it (escape codes and all). */
function fakeTty(): { stream: ProgressStream; text: () => string } {
  let out = '';
  const w = new Writable({ write: (chunk, _enc, cb) => ((out += String(chunk)), cb()) }) as Writable & { isTTY: boolean; columns: number };
  w.isTTY = true;
  w.columns = 120;
  return { stream: w as unknown as ProgressStream, text: () => out };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('progress on a terminal', () => {
  it('a count bar: label, done/total and unit', async () => {
    const tty = fakeTty();
    const p = countProgress('simulating', 'ops', { enabled: true, stream: tty.stream, delayMs: 0 });
    p.onProgress!(1, 10);
    await pause(250);
    p.onProgress!(7, 10);
    await pause(250);
    p.onProgress!(8, 10);
    p.stop();
    expect(tty.text()).toContain('simulating [');
    expect(tty.text()).toMatch(/\] 1\/10 ops/);
    expect(tty.text()).toMatch(/\] [78]\/10 ops/);
  });

  it('a count bar waits for its delay: quick work prints nothing', () => {
    const tty = fakeTty();
    const p = countProgress('mapping', 'einsums', { enabled: true, stream: tty.stream, delayMs: 60_000 });
    for (let i = 1; i <= 5; i++) p.onProgress!(i, 5);
    p.stop();
    expect(tty.text()).toBe('');
  });

  it('an ILP solve: the phase, seconds of its limit, incumbent, bound and gap', async () => {
    const tty = fakeTty();
    const p = solverProgress(true, tty.stream);
    p.onProgress!({ phase: 'ilp', elapsedSeconds: 0, limitSeconds: 60 });
    await pause(250);
    p.onProgress!({ phase: 'ilp', elapsedSeconds: 12.4, limitSeconds: 60, objective: 1.2e6, bound: 1.0e6 });
    await pause(250);
    p.onProgress!({ phase: 'ilp', elapsedSeconds: 13, limitSeconds: 60, objective: 1.2e6, bound: 1.0e6 });
    p.stop();
    const t = tty.text();
    expect(t).toMatch(/ilp \[.*\] 0\/60 s {2}incumbent - {2}bound - {2}gap -/);
    // gap = |1.2e6 - 1.0e6| / 1.2e6 = 16.7%
    expect(t).toMatch(/ilp \[.*\] 1[23]\/60 s {2}incumbent 1\.200e\+6 {2}bound 1\.000e\+6 {2}gap 16\.7%/);
  });

  it('the gap is |incumbent - bound| / |incumbent|, unknown without both', () => {
    expect(mipGap(200, 150)).toBe(0.25);
    expect(mipGap(-200, -250)).toBe(0.25);
    expect(mipGap(200, undefined)).toBeUndefined();
    expect(mipGap(undefined, 3)).toBeUndefined();
  });

  it('is off with --json and off when stderr is not a terminal', () => {
    expect(showProgress(false, { isTTY: true })).toBe(true);
    expect(showProgress(true, { isTTY: true })).toBe(false);
    expect(showProgress(false, { isTTY: false })).toBe(false);
    expect(showProgress(false, {})).toBe(false);
    const tty = fakeTty();
    expect(countProgress('x', 'y', { enabled: false, stream: tty.stream }).onProgress).toBeUndefined();
    expect(solverProgress(false, tty.stream).onProgress).toBeUndefined();
  });
});

describe('whole-model cycle runs report each op', () => {
  it('the engine calls onProgress once per op, ending at (ops, ops)', () => {
    const c = loadCascadeFile(join(root, 'examples/attention/attention-1pass.ein'));
    const t = resolveTarget({ target: 'flat', fidelity: 'cycle' });
    const m = mapStage(c, t, { target: t, fidelity: 'cycle' });
    const calls: [number, number][] = [];
    t.simulate(m, { fidelity: 'cycle', onProgress: (d, n) => calls.push([d, n]) });
    expect(m.ops.length).toBeGreaterThan(1);
    expect(calls).toEqual(m.ops.map((_, i) => [i + 1, m.ops.length]));
  });

  // the bars show at once (TESSERA_PROGRESS_DELAY_MS=0), so a run that printed progress into a pipe would show it
  const env = { ...process.env, TESSERA_PROGRESS_DELAY_MS: '0' };
  const cmd = ['--import', 'tsx', 'compiler/driver/main.ts', 'run', 'examples/attention/attention-1pass.ein', '--target', 'flat', '--fidelity', 'cycle'];

  it('prints no progress into a pipe: stderr of a cycle run is empty', () => {
    const r = spawnSync(process.execPath, cmd, { cwd: root, encoding: 'utf8', env });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('cycles');
    expect(r.stderr).toBe('');
  });

  it('on a terminal (a pseudo-terminal from util-linux script) the same run shows its mapping and simulation bars', () => {
    const line = [process.execPath, ...cmd].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qec', line, '/dev/null'], { cwd: root, encoding: 'utf8', env });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/mapping \[.*\] \d+\/\d+ einsums/);
    expect(r.stdout).toMatch(/simulating \[.*\] \d+\/\d+ ops/);
    // and with --json, nothing but the JSON even on a terminal
    const j = spawnSync('script', ['-qec', `${line} --json`, '/dev/null'], { cwd: root, encoding: 'utf8', env });
    expect(j.stdout).not.toMatch(/mapping \[|simulating \[/);
    expect(j.stdout.trim().startsWith('{')).toBe(true);
  });

  it('run --schedule ilp shows the solve (phase, seconds, incumbent, bound, gap) on a terminal and nothing into a pipe', () => {
    const ilp = [process.execPath, '--import', 'tsx', 'compiler/driver/main.ts', 'run', 'examples/schedule/block.ein', '--target', 'sn40l', '--schedule', 'ilp'];
    const tty = spawnSync('script', ['-qec', ilp.map((a) => `'${a}'`).join(' '), '/dev/null'], { cwd: root, encoding: 'utf8' });
    expect(tty.status).toBe(0);
    expect(tty.stdout).toMatch(/ \w+ \[.*\] \d+\/\d+ s {2}incumbent \S+ {2}bound \S+ {2}gap \S+/);
    const piped = spawnSync(ilp[0]!, ilp.slice(1), { cwd: root, encoding: 'utf8' });
    expect(piped.status).toBe(0);
    expect(piped.stdout).toContain('cycles');
    expect(piped.stderr).not.toMatch(/incumbent|\[░/);
  });
});
