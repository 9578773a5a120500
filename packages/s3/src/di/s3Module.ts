import { ContainerModule } from 'inversify';
import { MinuteBatcher, parseMinuteBatcherOptions } from '@sluice/batcher-minute';
import { BATCHER, bindDestinationParts, DESTINATION, KEY_FORMATTER, SERIALIZER, UPLOADER } from '@sluice/core';
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
 * Installs `send.s3`: binds the S3 destination and its parts. Each part is, in this order,
 * a binding of `scopedToken(TOKEN, 's3')`, a binding of the global token, or the default:
 * NdjsonGzipSerializer, TimePathKeyFormatter, MultipartUploader, and the minute batcher
 * without caps. The order of modules does not matter. Throws ValidationError for bad options.
 */
export function s3Module(options: S3OptionsInput = {}): ContainerModule {
  const parsed = parseS3Options(options);
  return new ContainerModule((container) => {
    const { bind, isBound } = container;
    bind(S3_OPTIONS).toConstantValue(parsed);
    if (!isBound(S3_CLIENT_PROVIDER)) bind(S3_CLIENT_PROVIDER).to(DefaultS3ClientProvider).inSingletonScope();
    bind(InFlightUploads).toSelf().inSingletonScope();
    bind(OrphanSweeper).toSelf().inSingletonScope();
    bindDestinationParts(container, 's3', [
      [SERIALIZER, NdjsonGzipSerializer],
      [KEY_FORMATTER, TimePathKeyFormatter],
      [UPLOADER, MultipartUploader],
      [BATCHER, new MinuteBatcher(parseMinuteBatcherOptions())],
    ]);
    bind(DESTINATION).to(S3Destination).inSingletonScope();
  });
}
