import type { ServiceIdentifier } from 'inversify';
import type { S3Options } from '../config.js';
import type { S3ClientProvider } from '../upload/S3ClientProvider.js';

export const S3_OPTIONS = Symbol.for('@sluice/s3:Options') as ServiceIdentifier<S3Options>;
export const S3_CLIENT_PROVIDER = Symbol.for('@sluice/s3:ClientProvider') as ServiceIdentifier<S3ClientProvider>;
