import type { UploadResult } from '../upload/Uploader.js';
import type { Batch } from './Batch.js';

/**
 * One attempt at storing a sealed batch: its key (fixed at the first attempt), its records
 * streamed from the spool through the serializer into the uploader. The body is destroyed
 * here, and only here, once the uploader is done with it: an uploader that failed without
 * reading it to the end must not leave the serializer's work (and what it holds) running.
 */
export async function deliverBatch(batch: Batch, signal: AbortSignal): Promise<UploadResult> {
  const { destination } = batch.route;
  const firstAttempt = batch.beginAttempt();
  const key = batch.keyFrom((info) => destination.keyFormatter.format(info, destination.serializer.extension));
  const body = destination.serializer.serialize(batch.records.contents());
  try {
    return await destination.uploader.upload({
      batch: batch.info(),
      key,
      body,
      contentType: destination.serializer.contentType,
      signal,
      firstAttempt,
    });
  } finally {
    body.destroy();
  }
}
