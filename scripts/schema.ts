// `npm run schema`: writes docs/schema/<kind>.schema.json for every kind of --json output
// (compiler/driver/output-schemas.ts); test/schema/schema.test.ts fails when a committed file is stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OUTPUT_SCHEMAS, schemaText } from '../compiler/driver/output-schemas';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'schema');
mkdirSync(dir, { recursive: true });
for (const kind of Object.keys(OUTPUT_SCHEMAS)) {
  writeFileSync(join(dir, `${kind}.schema.json`), schemaText(kind));
  process.stdout.write(`docs/schema/${kind}.schema.json\n`);
}
