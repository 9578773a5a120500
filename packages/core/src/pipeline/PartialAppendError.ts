/** A spool without `appendMany` failed part way through `Batch.appendMany`: the first `appended` records are stored. */
export class PartialAppendError extends Error {
  constructor(
    readonly appended: number,
    /** Bytes the stored records added (see Batch.append). */
    readonly bytes: number,
    cause: unknown,
  ) {
    super(`${appended} record(s) were stored before the spool failed`, { cause });
  }
}
