import { ContainerModule } from 'inversify';
import { minuteBatcherModule } from '@sluice/batcher-minute';
import { DESTINATION, KEY_FORMATTER, SERIALIZER, UPLOADER } from '@sluice/core';
import { parseS3Options, type S3OptionsInput } from '../config.js';
import { S3Destination } from '../destination/S3Destination.js';
import { TimePathKeyFormatter } from '../key/TimePathKeyFormatter.js';
import { NdjsonGzipSerializer } from '../serialization/NdjsonGzipSerializer.js';
import { DefaultS3ClientProvider } from '../upload/DefaultS3ClientProvider.js';
import { InFlightUploads } from '../upload/InFlightUploads.js';
import { MultipartUploader } from '../upload/MultipartUploader.js';
import { OrphanSweeper } from '../upload/OrphanSweeper.js';
import { S3_CLIENT_PROVIDER, S3_OPTIONS } from './tokens.js';

/**
 * Installs `send.s3`: binds the S3 destination and, where the token is still free, its
 * default parts and the minute batcher. Throws ValidationError for bad options.
 */
export function s3Module(options: S3OptionsInput = {}): ContainerModule {
  const parsed = parseS3Options(options);
  const batcher = minuteBatcherModule();
  return new ContainerModule((container) => {
    const { bind, isBound } = container;
    bind(S3_OPTIONS).toConstantValue(parsed);
    if (!isBound(S3_CLIENT_PROVIDER)) bind(S3_CLIENT_PROVIDER).to(DefaultS3ClientProvider).inSingletonScope();
    if (!isBound(SERIALIZER)) bind(SERIALIZER).to(NdjsonGzipSerializer).inSingletonScope();
    if (!isBound(KEY_FORMATTER)) bind(KEY_FORMATTER).to(TimePathKeyFormatter).inSingletonScope();
    bind(InFlightUploads).toSelf().inSingletonScope();
    bind(OrphanSweeper).toSelf().inSingletonScope();
    if (!isBound(UPLOADER)) bind(UPLOADER).to(MultipartUploader).inSingletonScope();
    bind(DESTINATION).to(S3Destination).inSingletonScope();
    // The minute batcher's module is synchronous; it binds only if no batcher is bound yet.
    void batcher.load(container);
  });
}
