#!/usr/bin/env node
// The `sluice-spool` command. A committed file, not a build output, so that npm links it at
// install time (in a clone, before anything is built); it runs the built code in ../dist.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(`sluice-spool: ${fileURLToPath(entry)} is missing: run \`npm run build\` first (at the repository's root).\n`);
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
