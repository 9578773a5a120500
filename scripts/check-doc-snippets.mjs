// Type-checks every ```ts block of the docs and package READMEs against the packages' sources,
// so the docs cannot drift from the code. A block may be preceded by an HTML comment
// `<!-- prelude: … -->` (invisible when rendered) that declares what the excerpt assumes.
//   node scripts/check-doc-snippets.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sources = [
  'README.md',
  ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
  ...readdirSync(path.join(root, 'packages')).map((p) => `packages/${p}/README.md`),
].filter((file) => {
  try {
    readFileSync(path.join(root, file));
    return true;
  } catch {
    return false;
  }
});

const blocks = [];
for (const file of sources) {
  const lines = readFileSync(path.join(root, file), 'utf8').split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    if (lines[i].trim() !== '```ts') continue;
    const prelude = /^<!-- prelude:([\s\S]*?)-->$/.exec(lines[i - 1]?.trim() ?? '')?.[1] ?? '';
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end += 1;
    blocks.push({ file, line: start + 1, prelude, code: lines.slice(start, end).join('\n') });
    i = end;
  }
}

// Inside the repository, so that '@sluice/…' and the dependencies resolve as they do for the tests.
const dir = path.join(root, '.doc-snippets');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir);
const names = blocks.map((block) => {
  const name = `${block.file.replace(/[/.]/g, '_')}_${block.line}.ts`;
  writeFileSync(path.join(dir, name), `// ${block.file}:${block.line}\n${block.prelude}\n${block.code}\nexport {};\n`);
  return name;
});
writeFileSync(
  path.join(dir, 'tsconfig.json'),
  JSON.stringify({
    extends: '../tsconfig.base.json',
    compilerOptions: { composite: false, noEmit: true, noUnusedLocals: false, customConditions: ['@sluice/source'] },
    files: names,
  }),
);
try {
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(dir, 'tsconfig.json')], { stdio: 'pipe', encoding: 'utf8' });
  process.stdout.write(`doc snippets: ${blocks.length} TypeScript blocks in ${sources.length} files type-check\n`);
  rmSync(dir, { recursive: true, force: true });
} catch (error) {
  // Point at the Markdown line rather than the generated file.
  const report = String(error.stdout).replace(/\.doc-snippets\/(\S+?)_(\d+)\.ts\((\d+),(\d+)\)/g, (_, file, line, row) => {
    const block = blocks.find((b) => `${b.file.replace(/[/.]/g, '_')}_${b.line}` === `${file}_${line}`);
    const prelude = block ? block.prelude.split('\n').length : 0;
    return `${block?.file ?? file}:${Number(line) + Number(row) - 2 - prelude}`;
  });
  process.stderr.write(`Doc snippets that do not type-check (fix the doc, or declare what an excerpt assumes in a <!-- prelude: … --> comment just above it):\n${report}`);
  process.exit(1);
}
