#!/usr/bin/env node
// The `sluice` command. A committed file, not a build output, so that npm links it at install
// time (in a clone, before anything is built); it runs the built code in ../dist.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(`sluice: ${fileURLToPath(entry)} is missing: run \`npm run build\` first (at the repository's root).\n`);
  process.exit(1);
}
// The AWS SDK warns on every Node 20 process about its 2027 releases; not the operator's concern here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
