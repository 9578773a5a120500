/** What storing an object gave: where it is and how it went. */
export interface UploadResult {
  /** Where the object is, as a URI a person can read, e.g. `s3://bucket/key`. */
  readonly location: string;
  /** Bytes written (after serialization and compression). */
  readonly bytes: number;
  /** Number of multipart parts, or 1 for a single request. */
  readonly parts: number;
  /** True when the object already existed (an earlier attempt succeeded): still delivered. */
  readonly alreadyExisted: boolean;
}
