/** Where an S3 batch goes: a bucket and a normalized prefix (no leading or trailing slash). */
export interface S3Target {
  readonly bucket: string;
  readonly prefix: string;
}
