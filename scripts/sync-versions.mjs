// All Sluice packages share one version (lerna.json, fixed mode), and each names its siblings
// with `^<that version>` in dependencies, devDependencies and peerDependencies alike.
// `lerna version` moves the versions and the dependencies but leaves plain peer ranges as they
// were (it rewrites a peer only when written with the workspace: protocol, which npm does not
// read), so after a minor bump `@sluice/s3@0.2.0` would still ask for `@sluice/core@^0.1.0`
// and npm would answer ERESOLVE. The root package's `version` script runs this after lerna's
// bump (before its commit), and `npm run check:versions` fails when anything drifted.
//   node scripts/sync-versions.mjs           rewrite the ranges to the lerna.json version
//   node scripts/sync-versions.mjs --check   only report, exit 1 on drift
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const { version } = JSON.parse(readFileSync(path.join(root, 'lerna.json'), 'utf8'));
const manifests = [
  ...readdirSync(path.join(root, 'packages')).map((name) => `packages/${name}/package.json`),
  'examples/package.json',
].filter((file) => {
  try {
    readFileSync(path.join(root, file));
    return true;
  } catch {
    return false;
  }
});
const read = (file) => JSON.parse(readFileSync(path.join(root, file), 'utf8'));
const names = new Set(manifests.map((file) => read(file).name));

const drift = [];
for (const file of manifests) {
  const manifest = read(file);
  let changed = false;
  if (manifest.version !== version) {
    drift.push(`${file}: version ${manifest.version}, lerna.json says ${version}`);
    manifest.version = version;
    changed = true;
  }
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (!names.has(name) || range === `^${version}`) continue;
      drift.push(`${file}: ${field}.${name} is ${range}, should be ^${version}`);
      manifest[field][name] = `^${version}`;
      changed = true;
    }
  }
  if (changed && !check) writeFileSync(path.join(root, file), `${JSON.stringify(manifest, null, 2)}\n`);
}
if (check && drift.length > 0) {
  process.stderr.write(`Package versions and internal ranges drifted from lerna.json (run node scripts/sync-versions.mjs):\n  ${drift.join('\n  ')}\n`);
  process.exit(1);
}
process.stdout.write(check ? `versions: every package at ${version}, internal ranges ^${version}\n` : `versions: ${drift.length} field(s) set to ${version}\n`);
