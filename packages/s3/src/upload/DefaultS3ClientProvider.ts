import { GetBucketLocationCommand, S3Client } from '@aws-sdk/client-s3';
import { inject, injectable } from 'inversify';
import type { S3Options } from '../config.js';
import { S3_OPTIONS } from '../di/tokens.js';
import type { S3ClientProvider } from './S3ClientProvider.js';

/**
 * One S3 client per region. The region is the configured one, or us-east-1 with a custom
 * endpoint, or else found once per bucket with GetBucketLocation (a permission of the
 * minimal bucket policy), so users need not know where a bucket lives.
 */
@injectable()
export class DefaultS3ClientProvider implements S3ClientProvider {
  readonly #clients = new Map<string, S3Client>();
  readonly #regions = new Map<string, Promise<string>>();

  constructor(@inject(S3_OPTIONS) private readonly options: S3Options) {}

  async clientFor(bucket: string): Promise<S3Client> {
    return this.#client(this.options.region ?? (this.options.endpoint ? 'us-east-1' : await this.#regionOf(bucket)));
  }

  #regionOf(bucket: string): Promise<string> {
    let region = this.#regions.get(bucket);
    if (!region) {
      region = this.#client('us-east-1')
        .send(new GetBucketLocationCommand({ Bucket: bucket }))
        // S3 answers an empty constraint for us-east-1 and the legacy "EU" for eu-west-1.
        .then(({ LocationConstraint }) => (!LocationConstraint ? 'us-east-1' : LocationConstraint === 'EU' ? 'eu-west-1' : LocationConstraint));
      // A failed lookup is forgotten so the next attempt asks again.
      region.catch(() => this.#regions.delete(bucket));
      this.#regions.set(bucket, region);
    }
    return region;
  }

  #client(region: string): S3Client {
    let client = this.#clients.get(region);
    if (!client) this.#clients.set(region, (client = this.#create(region)));
    return client;
  }

  #create(region: string): S3Client {
    const { endpoint, forcePathStyle, credentials, checksumMode, maxAttempts, requestTimeoutMs, connectionTimeoutMs } = this.options;
    return new S3Client({
      region,
      ...(endpoint ? { endpoint } : {}),
      forcePathStyle,
      // A copy: the SDK annotates the credentials object it is given.
      ...(credentials ? { credentials: { ...credentials } } : {}),
      maxAttempts,
      requestChecksumCalculation: checksumMode,
      responseChecksumValidation: 'WHEN_REQUIRED',
      // socketTimeout is the idle timeout (no progress on the socket); the SDK's requestTimeout
      // only warns unless throwOnRequestTimeout is set.
      requestHandler: { socketTimeout: requestTimeoutMs, connectionTimeout: connectionTimeoutMs },
    });
  }
}
