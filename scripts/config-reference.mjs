// Writes docs/config-reference.md from the packages' JSON schemas, the single source of
// truth for every option, its default and its meaning. `--check` fails if the file is stale.
import { readFile, writeFile } from 'node:fs/promises';
import { sluiceOptionsSchema } from '@sluice/core';
import { minuteBatcherOptionsSchema } from '@sluice/batcher-minute';
import { s3OptionsSchema, s3ParamsSchema } from '@sluice/s3';
import { fileSpoolOptionsSchema } from '@sluice/spool-file';
import { collectorConfigSchema } from '@sluice/cli';
import { fleetOptionsSchema } from '@sluice/redis';

const sections = [
  ['`createSluice(options)` — @sluice/core', sluiceOptionsSchema],
  ['`s3Module(options)` — @sluice/s3', s3OptionsSchema],
  ['`send.s3(params)` — @sluice/s3', { ...s3ParamsSchema, properties: { ...s3ParamsSchema.properties, payload: { description: 'The event: any JSON-serializable value. Required.' }, id: { type: 'string', description: 'Event id shared by the sends of one event to several destinations (for deliveredCount). Default: a fresh id.' } } }],
  ['`minuteBatcherModule(options)` — @sluice/batcher-minute', minuteBatcherOptionsSchema],
  ['`fileSpoolModule(options)` — @sluice/spool-file', fileSpoolOptionsSchema],
  ['`fleetModule(options)` — @sluice/redis', fleetOptionsSchema],
  ['`sluice serve --config` file — @sluice/cli', collectorConfigSchema],
];

function type(schema) {
  if (schema.enum) return schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  return schema.type ?? 'any';
}

function rows(schema, path = '') {
  return Object.entries(schema.properties ?? {}).flatMap(([name, prop]) => {
    const key = `${path}${name}`;
    const required = (schema.required ?? []).includes(name) ? ' (required)' : '';
    const def = prop.default === undefined ? '' : `\`${JSON.stringify(prop.default)}\``;
    const row = `| \`${key}\`${required} | ${type(prop)} | ${def} | ${(prop.description ?? '').replaceAll('|', '\\|')} |`;
    return prop.type === 'object' && prop.properties ? [row, ...rows(prop, `${key}.`)] : [row];
  });
}

const text = [
  '# Configuration reference',
  '',
  'Generated from the JSON schemas the packages validate with (`npm run docs:config`); do not edit by hand.',
  'Unknown keys are rejected; every error names the field, the value, the rule and the fix.',
  '',
  ...sections.flatMap(([title, schema]) => [`## ${title}`, '', '| key | type | default | meaning |', '| --- | --- | --- | --- |', ...rows(schema), '']),
].join('\n');

const file = new URL('../docs/config-reference.md', import.meta.url);
if (process.argv.includes('--check')) {
  const current = await readFile(file, 'utf8').catch(() => '');
  if (current !== text) {
    console.error('docs/config-reference.md is out of date with the schemas: run `npm run docs:config`.');
    process.exit(1);
  }
} else {
  await writeFile(file, text);
  console.log('wrote docs/config-reference.md');
}
