// Process entry for the CLI (bin/tessera.js and `npm run tessera`).
import { main } from './program';

// A reader that stops early (`tessera run ... | head`) closes the pipe: stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });

process.exitCode = await main(process.argv.slice(2));
