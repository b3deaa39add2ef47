// docs/schema/*.schema.json are what `npm run schema` generates from the code's zod schemas (a stale file
// fails here), and what the commands print under --json follows them: a run's Result, and the
// {"diagnostics": [...]} document `check --json` prints on stdout (exit 1) when a file has errors.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OUTPUT_SCHEMAS, schemaText } from '../../compiler/driver/output-schemas';
import { runCli } from '../helpers/cli';

const dir = join(__dirname, '..', '..', 'docs', 'schema');

describe('docs/schema', () => {
  it('holds exactly one committed file per output kind, equal to the regenerated one', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.schema.json')).sort();
    expect(files).toEqual(Object.keys(OUTPUT_SCHEMAS).map((k) => `${k}.schema.json`).sort());
    for (const kind of Object.keys(OUTPUT_SCHEMAS)) expect(readFileSync(join(dir, `${kind}.schema.json`), 'utf8'), `${kind}: run npm run schema`).toBe(schemaText(kind));
  });

  it('the result schema requires the Result fields and rejects a negative latency', () => {
    const s = JSON.parse(readFileSync(join(dir, 'result.schema.json'), 'utf8'));
    expect(s.required).toEqual(expect.arrayContaining(['target', 'workload', 'fidelity', 'latencyCycles', 'einsums', 'warnings']));
    expect(s.properties.latencyCycles.minimum).toBe(0);
    expect(OUTPUT_SCHEMAS.result!.schema.safeParse({ target: 't', workload: 'w', fidelity: 'analytic', latencyCycles: -1, latencySeconds: 0, energyPj: null, utilization: {}, traffic: {}, einsums: [], warnings: [] }).success).toBe(false);
  });
});

describe('--json outputs validate against their schema', () => {
  it('run examples/gemm/gemm.ein --target tpu-v1 --json is a Result', async () => {
    const r = await runCli(['run', 'examples/gemm/gemm.ein', '--target', 'tpu-v1', '--json']);
    expect(r.code).toBe(0);
    const parsed = OUTPUT_SCHEMAS.result!.schema.safeParse(JSON.parse(r.out));
    expect(parsed.error?.issues).toBeUndefined();
  });

  it('schedule examples/schedule/block.ein --json (as test/examples runs it) is a schedule document', async () => {
    const r = await runCli(['schedule', 'examples/schedule/block.ein', '--target', 'sn40l', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(OUTPUT_SCHEMAS.schedule!.schema.safeParse(doc).error?.issues).toBeUndefined();
    expect(doc.check.ok).toBe(true);
  }, 60_000);

  it('check --json on a file with errors prints {"diagnostics": [...]} on stdout and exits 1', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'tessera-schema-')), 'bad.ein');
    writeFileSync(bad, 'rank M = 4\ninput A[M]: fp32\nB[m] = A[m] * C[m]\noutput B\n');
    const r = await runCli(['check', bad, '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    expect(OUTPUT_SCHEMAS.diagnostics!.schema.safeParse(doc).error?.issues).toBeUndefined();
    expect(doc.diagnostics.length).toBeGreaterThan(0);
    expect(doc.diagnostics[0]).toMatchObject({ severity: 'error', file: bad, loc: { line: 3 } });
    expect(doc.diagnostics[0].message).toMatch(/\bC\b/);
  });
});

describe('every example cascade', () => {
  const files = (readdirSync('examples', { recursive: true }) as string[]).filter((f) => f.endsWith('.ein')).map((f) => join('examples', f)).sort();
  it('prints (print --json) a cascade document that validates, the same one check --json prints, and an analyze --json that validates', async () => {
    expect(files.length).toBeGreaterThan(10);
    let valid = 0;
    for (const f of files) {
      const p = await runCli(['print', f, '--json']);
      if (p.code !== 0) {
        // an example of mistakes (examples/language): its errors are the diagnostics document
        expect(OUTPUT_SCHEMAS.diagnostics!.schema.safeParse(JSON.parse(p.out)).success, f).toBe(true);
        continue;
      }
      valid++;
      const parsed = OUTPUT_SCHEMAS.cascade!.schema.safeParse(JSON.parse(p.out));
      expect(parsed.error?.issues, f).toBeUndefined();
      expect((await runCli(['check', f, '--json'])).out, f).toBe(p.out);
      const a = await runCli(['analyze', f, '--json']);
      expect(a.code, f).toBe(0);
      expect(OUTPUT_SCHEMAS.analyze!.schema.safeParse(JSON.parse(a.out)).error?.issues, `analyze ${f}`).toBeUndefined();
    }
    expect(valid).toBe(files.length - 1); // every example but softmax-mistakes.ein is a valid cascade
  }, 120_000);

  it('print --json of a file with errors prints the diagnostics document and exits 1', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'tessera-schema-')), 'bad.ein');
    writeFileSync(bad, 'rank M = 4\ninput A[M]: fp32\nB[m] = A[m] * C[m]\noutput B\n');
    const r = await runCli(['print', bad, '--json']);
    expect(r.code).toBe(1);
    expect(OUTPUT_SCHEMAS.diagnostics!.schema.safeParse(JSON.parse(r.out)).success).toBe(true);
  });
});
