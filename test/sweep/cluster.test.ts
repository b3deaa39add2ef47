// tessera sweep slurm: the sbatch job-array script and the Kubernetes Indexed Job manifest it writes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli';

const SPEC = join(import.meta.dirname, '..', 'fixtures', 'sweep', 'slurm.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'tessera-cluster-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('tessera sweep slurm', () => {
  it('writes a job-array script: one shard per array task, each resumable, valid bash', async () => {
    const r = await runCli(['sweep', 'slurm', SPEC, '--shards', '6', '--cpus', '2', '--out', join(tmp, 'out')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^#!\/bin\/bash\n/);
    expect(r.out).toContain('#SBATCH --array=0-5\n');
    expect(r.out).toContain('#SBATCH --cpus-per-task=2\n');
    expect(r.out).toMatch(/sweep \S*slurm\.yaml --db \S*out\/shard-\$i\.duckdb --shard \$i\/6 --resume --workers \$\{SLURM_CPUS_PER_TASK:-2\}/);
    expect(r.out).toContain('i=${SLURM_ARRAY_TASK_ID:?');
    const f = join(tmp, 'job.sh');
    await runCli(['sweep', 'slurm', SPEC, '--shards', '6', '--out', join(tmp, 'out'), '-o', f]);
    expect(spawnSync('bash', ['-n', f]).status).toBe(0);
  });

  it('writes a Kubernetes Indexed Job that reads its shard from JOB_COMPLETION_INDEX', async () => {
    const r = await runCli(['sweep', 'slurm', SPEC, '--shards', '8', '--k8s', '--image', 'tessera:1', '--claim', 'sweeps']);
    expect(r.code, r.err).toBe(0);
    const job = parse(r.out);
    expect(job.kind).toBe('Job');
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.completions).toBe(8);
    const c = job.spec.template.spec.containers[0];
    expect(c.image).toBe('tessera:1');
    expect(c.command.join(' ')).toMatch(/--db sweep-slurm-test\/shard-\$JOB_COMPLETION_INDEX\.duckdb --shard \$JOB_COMPLETION_INDEX\/8 --resume/);
    expect(job.spec.template.spec.volumes[0].persistentVolumeClaim.claimName).toBe('sweeps');
  });

  it('refuses a bad shard count and a bad spec before writing anything', async () => {
    const r = await runCli(['sweep', 'slurm', SPEC, '--shards', '0']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--shards 0: expected an integer from 1/);
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, 'targets: [systolic]\nworkloads: [x.ein]\nparameters: {rowz: [1]}\n');
    const b = await runCli(['sweep', 'slurm', bad, '--shards', '2']);
    expect(b.code).toBe(1);
    expect(b.err).toMatch(/unknown parameter 'rowz'/);
  });
});
