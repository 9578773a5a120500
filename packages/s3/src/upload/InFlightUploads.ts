import { injectable } from 'inversify';

/** What the orphan sweeper may ask of {@link InFlightUploads}: it reads, never marks. */
export interface InFlightUploadsView {
  /** True while this process is uploading `key` in `bucket`. */
  has(bucket: string, key: string): boolean;
}

/**
 * The uploads this process has under way, by bucket and key. The uploader is its only
 * writer (it marks a key just before the upload can create a multipart upload and unmarks it
 * once that upload is completed or aborted); the orphan sweeper reads it so that it never
 * aborts an upload that is alive.
 */
@injectable()
export class InFlightUploads implements InFlightUploadsView {
  readonly #counts = new Map<string, number>();

  /** Marks `key` in `bucket` as being uploaded; returns the function that unmarks it (safe to call twice). */
  begin(bucket: string, key: string): () => void {
    const id = `${bucket}/${key}`;
    this.#counts.set(id, (this.#counts.get(id) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const left = (this.#counts.get(id) ?? 1) - 1;
      if (left > 0) this.#counts.set(id, left);
      else this.#counts.delete(id);
    };
  }

  has(bucket: string, key: string): boolean {
    return this.#counts.has(`${bucket}/${key}`);
  }

  /** How many keys are being uploaded. */
  get size(): number {
    return this.#counts.size;
  }
}
