import { readFileSync } from 'node:fs';
import { SluiceError } from '@sluice/core';
import { parseCollectorConfig, type CollectorConfig } from '../config.js';
import { resolveEnvReferences } from './resolveEnvReferences.js';

/**
 * Reads a `sluice.config.json`, replaces `${ENV}` references and validates it. Throws a
 * SluiceError (`SLUICE_CONFIG`) when the file cannot be read or is not JSON, and a
 * ValidationError naming each bad key and its fix.
 */
export function loadCollectorConfig(file: string, env: NodeJS.ProcessEnv = process.env): CollectorConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SluiceError('SLUICE_CONFIG', `Cannot read the config file ${file}: ${(error as Error).message}. Give an existing file with --config.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SluiceError('SLUICE_CONFIG', `The config file ${file} is not valid JSON: ${(error as Error).message}.`);
  }
  return parseCollectorConfig(resolveEnvReferences(json, env, `config ${file}`));
}
