import { EventTooLargeError } from '../errors/EventTooLargeError.js';

/**
 * Throws EventTooLargeError if `record` is over `maxEventBytes` in UTF-8. Counted as
 * characters it is its exact UTF-8 size for ASCII; the spool reports the rest as soon as it
 * has the bytes (see SpoolBatch.append). Only a record that could be over the limit (three
 * bytes a character at most) is measured exactly, so send() pays for no encoding here.
 */
export function assertEventSize(record: string, maxEventBytes: number): void {
  if (record.length * 3 <= maxEventBytes) return;
  const exact = Buffer.byteLength(record);
  if (exact > maxEventBytes) throw new EventTooLargeError(exact, maxEventBytes);
}
