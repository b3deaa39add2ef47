// Process entry for the CLI (bin/tessera.js and `npm run tessera`).
import { main } from './program';

process.exitCode = await main(process.argv.slice(2));
