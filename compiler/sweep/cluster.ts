// Beyond one machine: the same sweep, one shard per cluster task. Slurm gets an sbatch job-array
// script (task i runs --shard i/N, SLURM_ARRAY_TASK_ID), Kubernetes an Indexed Job whose pods read
// their shard from JOB_COMPLETION_INDEX. Every task runs with --resume, so a requeued or restarted
// task continues its own database; `tessera sweep merge` folds the shard databases into one.
import { basename, resolve } from 'node:path';
import { stringify } from 'yaml';
import { UserError } from '../driver/user-error';

export interface ClusterOptions {
  spec: string;
  shards: number;
  /** the folder the shard databases go to */
  out: string;
  /** the command that runs tessera on the cluster's nodes */
  tessera: string;
  cpus: number;
  name: string;
}

export function parseShards(s: string | undefined): number {
  const n = Number(s);
  if (s === undefined || !/^\d+$/.test(s.trim()) || !Number.isSafeInteger(n) || n < 1 || n > 100000) throw new UserError(`--shards ${s ?? ''}: expected an integer from 1 to 100000`);
  return n;
}

const sh = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The database of shard `i` (a shell expression for i). */
export const shardDb = (out: string, i: string) => `${out}/shard-${i}.duckdb`;

export function slurmScript(o: ClusterOptions): string {
  const out = resolve(o.out);
  const spec = resolve(o.spec);
  return [
    '#!/bin/bash',
    `# Tessera sweep ${o.name}: ${o.shards} shards as one Slurm job array (written by tessera sweep slurm).`,
    `# Submit: sbatch ${basename(o.spec).replace(/\.ya?ml$/, '')}.sbatch   (or sbatch --wait to block until every task ends)`,
    `# Then:   ${o.tessera} sweep merge --db results.duckdb ${out}/shard-*.duckdb`,
    `#SBATCH --job-name=tessera-${o.name.replace(/[^\w.-]/g, '_')}`,
    `#SBATCH --array=0-${o.shards - 1}`,
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${o.cpus}`,
    `#SBATCH --output=${out}/slurm-%A_%a.out`,
    'set -euo pipefail',
    `mkdir -p ${sh(out)}`,
    `i=\${SLURM_ARRAY_TASK_ID:?this script runs as a Slurm array task}`,
    `exec ${o.tessera} sweep ${sh(spec)} --db ${sh(out)}/shard-$i.duckdb --shard $i/${o.shards} --resume --workers \${SLURM_CPUS_PER_TASK:-${o.cpus}}`,
    '',
  ].join('\n');
}

export interface K8sOptions extends ClusterOptions {
  image: string;
  /** a PersistentVolumeClaim holding the spec's folder and receiving the databases, mounted at /work */
  claim: string;
}

export function k8sManifest(o: K8sOptions): string {
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `tessera-sweep-${o.name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 63) },
    spec: {
      completionMode: 'Indexed',
      completions: o.shards,
      parallelism: o.shards,
      backoffLimitPerIndex: 3,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'sweep',
              image: o.image,
              workingDir: '/work',
              command: ['sh', '-c', `${o.tessera} sweep ${sh(o.spec)} --db ${sh(o.out)}/shard-$JOB_COMPLETION_INDEX.duckdb --shard $JOB_COMPLETION_INDEX/${o.shards} --resume --workers ${o.cpus}`],
              resources: { requests: { cpu: String(o.cpus) }, limits: { cpu: String(o.cpus) } },
              volumeMounts: [{ name: 'work', mountPath: '/work' }],
            },
          ],
          volumes: [{ name: 'work', persistentVolumeClaim: { claimName: o.claim } }],
        },
      },
    },
  };
  return `# Tessera sweep ${o.name}: ${o.shards} shards as a Kubernetes Indexed Job (written by tessera sweep slurm --k8s).\n# Apply: kubectl apply -f this.yaml; then: ${o.tessera} sweep merge --db results.duckdb ${o.out}/shard-*.duckdb\n${stringify(job)}`;
}
