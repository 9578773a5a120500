/* global fetch */
// What a user gets from the registry, checked before a release can ship it:
//  1. packs every public package as `npm publish` would (its prepack builds it),
//  2. lints each tarball with publint and @arethetypeswrong/cli (ESM-only profile),
//  3. installs the tarballs into a folder outside the repository, type-checks a small
//     consumer (TypeScript `module: node16`, `moduleResolution: bundler`, and CommonJS under
//     `nodenext`), and runs it on Node 20 and Node 24 against s3rver on 127.0.0.1, asserting
//     the object arrives, and runs `sluice serve` without a config (its demo) without and
//     with s3rver installed beside it,
//  4. bumps a copy of the repository a minor version with lerna and installs those tarballs
//     together (no ERESOLVE).
// Node 24 comes from the npm registry (`npx -p node@24`), kept in npm's cache after the first run.
//   node scripts/check-pack.mjs [--keep]
import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import S3rver from 's3rver';
import { addMultipartExtensions } from '@sluice/cli/s3rver-extensions';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const started = Date.now();
const step = (message) => process.stdout.write(`check:pack ${((Date.now() - started) / 1000).toFixed(1)}s ${message}\n`);
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const quiet = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

async function sh(file, args, options = {}) {
  try {
    return (await run(file, args, { maxBuffer: 64 * 1024 * 1024, ...options })).stdout;
  } catch (error) {
    throw new Error(`${[file, ...args].join(' ')} failed in ${options.cwd ?? root}:\n${error.stdout ?? ''}${error.stderr ?? error.message}`);
  }
}

/** Runs the config-less `sluice serve`, posts one event, stops it with SIGTERM; returns the stored object's key. */
async function runDemo(sluiceBin, cwd, env) {
  const child = spawn(sluiceBin, ['serve', '--port', '0'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match) resolve(match[1]);
    });
    exited.then((code) => reject(new Error(`sluice serve exited ${code} before listening:\n${stdout}${stderr}`)));
  });
  const payload = { demo: 'from the registry install' };
  const response = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ bucket: 'demo-events', prefix: 'pack', payload }) });
  if (response.status !== 202) throw new Error(`the demo answered ${response.status} to an event: ${await response.text()}`);
  child.kill('SIGTERM');
  const code = await exited;
  if (code !== 0) throw new Error(`sluice serve exited ${code} after SIGTERM:\n${stdout}${stderr}`);
  // s3rver keeps an object's bytes in <directory>/<bucket>/<key>._S3rver_object.
  const bucketDir = path.join(cwd, '.sluice-demo', 's3', 'demo-events');
  const files = (await readdir(bucketDir, { recursive: true })).filter((f) => f.endsWith('.gz._S3rver_object'));
  if (files.length !== 1) throw new Error(`the demo bucket holds ${files.length} objects, expected 1: ${files.join(', ')}`);
  const lines = gunzipSync(await readFile(path.join(bucketDir, files[0]))).toString('utf8').trim().split('\n');
  if (lines.length !== 1 || lines[0] !== JSON.stringify(payload)) throw new Error(`the demo object holds ${JSON.stringify(lines)}, expected the one event sent`);
  return files[0].replace(/\._S3rver_object$/, '');
}

const packages = [];
for (const name of await readdir(path.join(root, 'packages'))) {
  const manifest = JSON.parse(await readFile(path.join(root, 'packages', name, 'package.json'), 'utf8'));
  if (!manifest.private) packages.push({ dir: `packages/${name}`, manifest });
}
const work = await mkdtemp(path.join(tmpdir(), 'sluice-pack-'));
const s3dir = path.join(work, 's3');
await mkdir(s3dir);
const bucket = 'consumer-events';
const s3 = new S3rver({ address: '127.0.0.1', port: 0, directory: s3dir, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
addMultipartExtensions(s3, s3dir);
const { port } = await s3.run();
const env = { ...process.env, SLUICE_S3_ENDPOINT: `http://127.0.0.1:${port}`, SLUICE_S3_BUCKET: bucket, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

try {
  // 1. Pack as a publish would: scripts on, so each prepack builds what it ships.
  const tarballs = path.join(work, 'tarballs');
  await mkdir(tarballs);
  const packed = JSON.parse(await sh('npm', ['pack', '--json', '--pack-destination', tarballs, ...packages.flatMap((p) => ['-w', p.dir])], { cwd: root }));
  for (const entry of packed) {
    const files = entry.files.map((f) => f.path);
    const problems = [
      !files.includes('LICENSE') && 'no LICENSE',
      !files.includes('dist/index.js') && 'no dist/index.js (not built?)',
      files.some((f) => f.endsWith('.tsbuildinfo')) && 'a .tsbuildinfo',
      files.some((f) => /\.test\.[cm]?[jt]s/.test(f)) && 'test files',
    ].filter(Boolean);
    if (problems.length > 0) throw new Error(`${entry.filename}: ${problems.join(', ')}`);
    // Every source map and declaration map must point at a file that is shipped.
    const shipped = new Set(files);
    const maps = files.filter((f) => f.endsWith('.map'));
    for (const map of maps) {
      const dir = packages.find((p) => p.manifest.name === entry.name).dir;
      const { sources } = JSON.parse(await readFile(path.join(root, dir, map), 'utf8'));
      for (const source of sources) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(map), source));
        if (!shipped.has(target)) throw new Error(`${entry.filename}: ${map} points at ${target}, which is not in the package`);
      }
    }
  }
  // Dependencies declared exactly as used: every package the shipped JavaScript and
  // declarations import is a dependency or a peer, and every one declared is imported
  // (optional peers aside). A peer only the types use (`import type`) still counts: a
  // consumer's type-check needs it.
  for (const entry of packed) {
    const { dir, manifest } = packages.find((p) => p.manifest.name === entry.name);
    const imported = new Set();
    for (const file of entry.files.map((f) => f.path).filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))) {
      const text = await readFile(path.join(root, dir, file), 'utf8');
      // Declarations carry the JSDoc, whose prose can read like an import; they hold no strings that could hide a comment.
      const code = file.endsWith('.d.ts') ? text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '') : text;
      for (const match of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'".\s][^'"\s]*)['"]/g)) {
        const specifier = match[1];
        if (specifier.startsWith('node:')) continue;
        imported.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);
      }
    }
    const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
    const optional = new Set(Object.keys(manifest.peerDependenciesMeta ?? {}).filter((name) => manifest.peerDependenciesMeta[name].optional));
    const undeclared = [...imported].filter((name) => !declared.has(name));
    const unused = [...declared].filter((name) => !imported.has(name) && !optional.has(name));
    if (undeclared.length > 0 || unused.length > 0) {
      throw new Error(`${entry.name}: ${undeclared.length > 0 ? `imports ${undeclared.join(', ')} without declaring it` : ''}${undeclared.length > 0 && unused.length > 0 ? '; ' : ''}${unused.length > 0 ? `declares ${unused.join(', ')} but never imports it` : ''}`);
    }
  }
  const files = packed.map((entry) => path.join(tarballs, entry.filename));
  step(`packed ${packed.map((e) => `${e.name}@${e.version} (${e.entryCount} files)`).join(', ')}; dependencies match imports`);

  // 2. publint and attw on each tarball. ESM-only: attw's node10 and CommonJS-from-TypeScript
  // rows are skipped by the esm-only profile (README: "ESM only").
  await Promise.all(
    files.map(async (file) => {
      const lint = await sh(bin('publint'), ['run', file, '--strict']);
      if (!/All good!/.test(lint)) throw new Error(`publint ${path.basename(file)}:\n${lint}`);
      await sh(bin('attw'), [file, '--profile', 'esm-only', '--no-emoji', '--no-color', '--format', 'ascii']);
    }),
  );
  step('publint --strict and attw --profile esm-only: no problems');

  // 3. A consumer outside the repository, with the lowest inversify the packages accept.
  const rootManifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  const core = packages.find((p) => p.manifest.name === '@sluice/core').manifest;
  const s3pkg = packages.find((p) => p.manifest.name === '@sluice/s3').manifest;
  const inversifyFloor = core.peerDependencies.inversify.replace(/^\^/, '');
  const consumer = path.join(work, 'consumer');
  await cp(path.join(root, 'scripts', 'pack-consumer'), consumer, { recursive: true });
  await writeFile(
    path.join(consumer, 'package.json'),
    JSON.stringify({
      name: 'sluice-consumer',
      private: true,
      type: 'module',
      dependencies: {
        ...Object.fromEntries(packed.map((entry) => [entry.name, `file:${path.join(tarballs, entry.filename)}`])),
        inversify: inversifyFloor,
        '@aws-sdk/client-s3': s3pkg.peerDependencies['@aws-sdk/client-s3'],
        '@types/node': rootManifest.devDependencies['@types/node'],
      },
    }),
  );
  await sh('npm', ['install', ...quiet], { cwd: consumer });
  step(`installed the tarballs in ${consumer} (inversify ${inversifyFloor}, the lowest accepted)`);
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  await Promise.all(['node16', 'bundler', 'cjs'].map((config) => sh(process.execPath, [tsc, '-p', `tsconfig.${config}.json`], { cwd: consumer })));
  step('consumer type-checks under module node16, moduleResolution bundler, and CommonJS (nodenext)');

  const node24 = (await sh('npx', ['-y', '-p', 'node@24', 'node', '-p', 'process.execPath'], { cwd: work })).trim();
  for (const node of [process.execPath, node24]) {
    for (const entry of ['dist/esm.js', 'dist/cjs.cjs']) {
      const out = await sh(node, [entry], { cwd: consumer, env });
      process.stdout.write(`  ${out.trim()}\n`);
    }
  }
  step('consumer ran (ESM and CommonJS) on Node 20 and Node 24; each object read back');

  // `sluice serve` without a config from the registry install: without the optional peer
  // s3rver it says what to do; with s3rver installed beside it the demo delivers an event.
  const sluiceBin = path.join(consumer, 'node_modules', '.bin', 'sluice');
  const demoDir = path.join(work, 'demo');
  await mkdir(demoDir);
  const missing = await run(sluiceBin, ['serve', '--port', '0'], { cwd: demoDir, env }).then(
    () => {
      throw new Error('sluice serve without a config and without s3rver exited 0');
    },
    (error) => error,
  );
  if (missing.code !== 1 || !/SLUICE_CONFIG/.test(missing.stderr) || !/npm install s3rver/.test(missing.stderr) || !/--config/.test(missing.stderr)) {
    throw new Error(`sluice serve without s3rver: exit ${missing.code}, expected 1 and a SLUICE_CONFIG message naming npm install s3rver and --config:\n${missing.stderr}`);
  }
  await sh('npm', ['install', `s3rver@${rootManifest.devDependencies.s3rver}`, ...quiet], { cwd: consumer });
  const delivered = await runDemo(sluiceBin, demoDir, env);
  step(`sluice serve without a config: without s3rver, SLUICE_CONFIG says what to do; with s3rver installed, the demo stored ${delivered}`);

  // 4. A minor bump in a copy: lerna moves the versions, the root `version` script the peer ranges.
  const copy = path.join(work, 'bump');
  for (const file of ['package.json', 'lerna.json', 'scripts/sync-versions.mjs']) await cp(path.join(root, file), path.join(copy, file));
  for (const dir of [...(await readdir(path.join(root, 'packages'))).map((name) => `packages/${name}`), 'examples']) {
    for (const part of ['package.json', 'LICENSE', 'README.md', 'dist', 'src', 'bin', 'static']) {
      await cp(path.join(root, dir, part), path.join(copy, dir, part), { recursive: true, filter: (f) => !f.includes('node_modules') }).catch((error) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
  }
  const git = ['-c', 'user.name=check-pack', '-c', 'user.email=check-pack@localhost', '-c', 'commit.gpgsign=false'];
  await sh('git', ['init', '-q'], { cwd: copy });
  await sh('git', [...git, 'add', '-A'], { cwd: copy });
  await sh('git', [...git, 'commit', '-qm', 'release candidate'], { cwd: copy });
  await sh(bin('lerna'), ['version', 'minor', '--no-git-tag-version', '--no-push', '--yes', '--force-publish', '--loglevel', 'warn'], { cwd: copy, env: { ...process.env, CI: 'true' } });
  const bumped = JSON.parse(await readFile(path.join(copy, 'lerna.json'), 'utf8')).version;
  if (bumped === core.version) throw new Error(`lerna version minor left the version at ${bumped}`);
  await sh(process.execPath, [path.join(copy, 'scripts', 'sync-versions.mjs'), '--check'], { cwd: copy });
  const bumpedTarballs = path.join(work, 'bumped-tarballs');
  await mkdir(bumpedTarballs);
  const repacked = JSON.parse(await sh('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', bumpedTarballs, ...packages.flatMap((p) => ['-w', p.dir])], { cwd: copy }));
  const bumpConsumer = path.join(work, 'bump-consumer');
  await mkdir(bumpConsumer);
  await writeFile(
    path.join(bumpConsumer, 'package.json'),
    JSON.stringify({ name: 'sluice-bump-consumer', private: true, type: 'module', dependencies: Object.fromEntries(repacked.map((e) => [e.name, `file:${path.join(bumpedTarballs, e.filename)}`])) }),
  );
  await sh('npm', ['install', ...quiet], { cwd: bumpConsumer });
  const versions = await sh(
    process.execPath,
    ['--input-type=module', '-e', `for (const name of ${JSON.stringify(repacked.map((e) => e.name))}) { await import(name); const { createRequire } = await import('node:module'); console.log(name, createRequire(import.meta.url)(name + '/package.json').version); }`],
    { cwd: bumpConsumer, env },
  );
  const wrong = versions.trim().split('\n').filter((line) => !line.endsWith(` ${bumped}`));
  if (wrong.length > 0) throw new Error(`after the bump to ${bumped}: ${wrong.join(', ')}`);
  step(`a minor bump (${core.version} -> ${bumped}) packs and installs together, peers included`);
  step('done');
} finally {
  await s3.close();
  if (keep) process.stdout.write(`kept ${work}\n`);
  else await rm(work, { recursive: true, force: true });
}
