import { existsSync } from 'node:fs';
import path from 'node:path';
import { SluiceError, ValidationError } from '@sluice/core';
import type { CollectorConfig } from '../config.js';
import { loadCollectorConfig } from '../config/loadCollectorConfig.js';
import type { CliIo } from './CliIo.js';
import { CommandError } from './CommandError.js';
import { EXIT } from './exitCodes.js';

/** The file a command reads its config from: --config, else ./sluice.config.json if present. */
export function configFile(option: string | undefined, io: CliIo): string | undefined {
  if (option !== undefined) return path.resolve(io.cwd, option);
  const fallback = path.join(io.cwd, 'sluice.config.json');
  return existsSync(fallback) ? fallback : undefined;
}

/** Loads and validates a config file; a bad one becomes a usage error naming the key and fix. */
export function readConfig(file: string, io: CliIo): CollectorConfig {
  try {
    return loadCollectorConfig(file, io.env);
  } catch (error) {
    if (error instanceof ValidationError || error instanceof SluiceError) throw new CommandError(error.message, EXIT.usage);
    throw error;
  }
}
