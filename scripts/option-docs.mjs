// Writes the TSDoc of every option interface from the packages' JSON schemas, so an editor's
// hover shows the same text, default and allowed values as docs/config-reference.md, and
// types each enum option as the union of its values. `--check` fails if they have drifted.
//   node scripts/option-docs.mjs [--check]
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { sluiceOptionsSchema } from '@sluice/core';
import { minuteBatcherOptionsSchema } from '@sluice/batcher-minute';
import { s3OptionsSchema } from '@sluice/s3';
import { fileSpoolOptionsSchema } from '@sluice/spool-file';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const targets = [
  ['packages/core/src/config.ts', [['SluiceOptions', sluiceOptionsSchema], ['RetryOptions', sluiceOptionsSchema.properties.retry]]],
  ['packages/s3/src/config.ts', [['S3Options', s3OptionsSchema]]],
  ['packages/batcher-minute/src/config.ts', [['MinuteBatcherOptions', minuteBatcherOptionsSchema]]],
  ['packages/spool-file/src/config.ts', [['FileSpoolOptions', fileSpoolOptionsSchema]]],
];
const WIDTH = 110;

function docText(property) {
  let text = property.description ?? '';
  if (property.default !== undefined && !/\bDefault\b/.test(text)) text += ` Default: \`${JSON.stringify(property.default)}\`.`;
  return text.replaceAll('*/', '*\\/');
}

function docComment(text, indent) {
  const single = `${indent}/** ${text} */`;
  if (single.length <= WIDTH) return single;
  const lines = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && `${indent} * ${line} ${word}`.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return [`${indent}/**`, ...lines.map((l) => `${indent} * ${l}`), `${indent} */`].join('\n');
}

const literal = (value) => (typeof value === 'string' ? `'${value.replaceAll("'", "\\'")}'` : JSON.stringify(value));

function rewrite(file, text, interfaces) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const edits = [];
  const problems = [];
  for (const [name, schema] of interfaces) {
    const declaration = source.statements.find((s) => ts.isInterfaceDeclaration(s) && s.name.text === name);
    if (!declaration) {
      problems.push(`${file}: interface ${name} not found`);
      continue;
    }
    const seen = new Set();
    for (const member of declaration.members) {
      if (!ts.isPropertySignature(member) || !ts.isIdentifier(member.name)) continue;
      const property = schema.properties[member.name.text];
      if (!property) {
        problems.push(`${file}: ${name}.${member.name.text} is not in the schema`);
        continue;
      }
      seen.add(member.name.text);
      const { line } = source.getLineAndCharacterOfPosition(member.getStart());
      const indent = text.slice(source.getPositionOfLineAndCharacter(line, 0), member.getStart());
      edits.push({ start: member.getFullStart(), end: member.getStart(), text: `\n${docComment(docText(property), indent)}\n${indent}` });
      if (property.enum && member.type) {
        const wanted = property.enum.map(literal);
        const current = ts.isUnionTypeNode(member.type) ? member.type.types.map((t) => t.getText(source)) : [member.type.getText(source)];
        if (wanted.length !== current.length || wanted.some((v) => !current.includes(v))) {
          edits.push({ start: member.type.getStart(), end: member.type.getEnd(), text: wanted.join(' | ') });
        }
      }
    }
    for (const key of Object.keys(schema.properties)) if (!seen.has(key)) problems.push(`${file}: ${name} has no property ${key} of its schema`);
  }
  edits.sort((a, b) => b.start - a.start);
  let result = text;
  for (const edit of edits) result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
  return { result, problems };
}

const check = process.argv.includes('--check');
let failed = false;
for (const [relative, interfaces] of targets) {
  const file = path.join(root, relative);
  const text = await readFile(file, 'utf8');
  const { result, problems } = rewrite(relative, text, interfaces);
  for (const problem of problems) console.error(problem);
  failed ||= problems.length > 0;
  if (result === text) continue;
  if (check) {
    console.error(`${relative}: the option TSDoc or enum types differ from the schema: run \`npm run docs:options\`.`);
    failed = true;
  } else {
    await writeFile(file, result);
    console.log(`wrote ${relative}`);
  }
}
if (failed) process.exit(1);
if (check) console.log('option types: TSDoc and enums agree with the schemas');
