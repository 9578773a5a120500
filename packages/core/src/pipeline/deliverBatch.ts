import type { Readable } from 'node:stream';
import type { UploadResult } from '../upload/Uploader.js';
import type { Batch } from './Batch.js';

/** The batch's object key: fixed by its key formatter the first time it is asked for. */
export function objectKey(batch: Batch): string {
  const { destination } = batch.route;
  return batch.keyFrom((info) => destination.keyFormatter.format(info, destination.serializer.extension));
}

/**
 * One upload of a sealed batch's object from `body`. The body is destroyed here once the
 * uploader is done with it: an uploader that failed without reading it to the end must not
 * leave the serializer's work (and what it holds) running.
 */
export async function uploadBatch(batch: Batch, body: Readable, signal: AbortSignal, firstAttempt: boolean): Promise<UploadResult> {
  const { destination } = batch.route;
  try {
    return await destination.uploader.upload({
      batch: batch.info(),
      key: objectKey(batch),
      body,
      contentType: destination.serializer.contentType,
      signal,
      firstAttempt,
    });
  } finally {
    body.destroy();
  }
}

/** One attempt at storing a sealed batch whole: its records streamed from the spool through the serializer into the uploader. */
export function deliverBatch(batch: Batch, signal: AbortSignal): Promise<UploadResult> {
  const firstAttempt = batch.beginAttempt();
  return uploadBatch(batch, batch.route.destination.serializer.serialize(batch.records.contents()), signal, firstAttempt);
}
