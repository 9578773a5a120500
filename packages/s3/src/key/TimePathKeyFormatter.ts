import { injectable } from 'inversify';
import type { BatchInfo, KeyFormatter } from '@sluice/core';
import type { S3Target } from '../destination/S3Target.js';

/**
 * `PREFIX/YYYY/MM/DD/HH/YYYY-MM-DD-HH-MM-SS-IDENTIFIER.EXT`, in UTC, from the time the
 * batch's first event was accepted; IDENTIFIER is the batch identity's SHA-256, so a retried
 * batch gets the same key. With an empty prefix the key starts at `YYYY/`.
 */
@injectable()
export class TimePathKeyFormatter implements KeyFormatter<S3Target> {
  format(batch: BatchInfo<S3Target>, extension: string): string {
    // toISOString is always UTC: 2019-05-25T16:14:58.123Z
    const iso = new Date(batch.openedAt).toISOString();
    const [yyyy, mm, dd, hh, mi, ss] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 13), iso.slice(14, 16), iso.slice(17, 19)];
    const name = `${yyyy}/${mm}/${dd}/${hh}/${yyyy}-${mm}-${dd}-${hh}-${mi}-${ss}-${batch.identifier}.${extension}`;
    return batch.target.prefix ? `${batch.target.prefix}/${name}` : name;
  }
}
